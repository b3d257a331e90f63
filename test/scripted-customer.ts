/**
 * A customer who answers whatever the lead agent's default script asks (DEFAULT_AGENT_SETTINGS:
 * postcode, job, timeframe, property type, owner), as the agent's end-to-end tests need one.
 */
export function answerTo(question: string): string {
  const q = question.toLowerCase();
  if (q.includes('postcode')) return '2150';
  if (q.includes('need done') || q.includes('what do you need')) return 'Replace the gutters and downpipes';
  if (q.includes('when')) return 'asap';
  if (q.includes('house, a unit') || q.includes('commercial')) return 'house';
  if (q.includes('own')) return 'yep';
  throw new Error(`no answer for: ${question}`);
}
