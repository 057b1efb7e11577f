// The instant the server under test believes it is (`carnet-server --horloge`): an ordinary
// Monday afternoon in Paris, so the suite passes whatever the day it runs. The server's clock
// runs on from there; the suite takes minutes, so « today » stays this date throughout.
// E2E_HORLOGE overrides it (RFC 3339).
export const HORLOGE = process.env.E2E_HORLOGE || '2027-03-15T16:00:00+01:00';

/** The server's « today » in Paris, as YYYY-MM-DD, shifted by `offsetDays`. */
export function serverDate(offsetDays = 0): string {
  const d = new Date(Date.parse(HORLOGE) + offsetDays * 86_400_000);
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(d);
}
