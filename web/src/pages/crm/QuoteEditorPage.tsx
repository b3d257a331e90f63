export default function QuoteEditorPage() { return <h1>Quote editor</h1>; }
