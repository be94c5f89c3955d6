/**
 * Whether two e-mail addresses reach the same person, for the self-referral rule (SPEC section 3:
 * a sale to the affiliate themself earns nothing). An affiliate who buys through their own link
 * rarely types the very address they signed up with; these are the variants every provider, or
 * Gmail, delivers to one mailbox.
 */

/** Gmail ignores dots in the local part, and googlemail.com is the same service. */
const gmailDomains = new Set(['gmail.com', 'googlemail.com']);

/** The mailbox an address delivers to: case, surrounding spaces and `+tags` dropped, Gmail's dots too. */
const mailbox = (address: string): string | undefined => {
  const trimmed = address.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return undefined;
  let local = trimmed.slice(0, at).split('+')[0] as string;
  let domain = trimmed.slice(at + 1);
  if (gmailDomains.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return local ? `${local}@${domain}` : undefined;
};

/** True when both are addresses of one mailbox; an empty or malformed address matches nothing. */
export const sameMailbox = (a: string, b: string): boolean => {
  const first = mailbox(a);
  return first !== undefined && first === mailbox(b);
};
