// The ceiling: a bare node:http server answering a fixed body, the most one Node process here can do.
import http from 'node:http';
import fs from 'node:fs';

const [bodyFile, port] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
