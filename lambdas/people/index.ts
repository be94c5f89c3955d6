/**
 * People: sign-in by e-mail link, sessions, a merchant's team and its affiliates' portal access.
 * The one entry point the console and portal pages use.
 */
export * from './types';
export { inviteMember, inviteMemberInput, listMembers, listMembersPage, membershipsOf } from './members';
export { inviteAffiliate } from './portal-access';
export { consumeSignIn, requestSignIn } from './sign-in';
export { checkCsrf, createSession, endSession, findSession, sessionCookieName } from './sessions';
