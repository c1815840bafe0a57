/**
 * Loopback test servers in the real platforms' public shapes (not the built-in simulator's). Each file's
 * header lists its routes, form fields and JSON fields; SOURCES.md says where each shape comes from.
 */
export { startFacebookShape, FACEBOOK_ACCOUNT, FACEBOOK_BAD_PASSWORD, FACEBOOK_BAD_CODE, type FacebookShape } from './facebook.js';
export { startFacebookGraphShape, GRAPH_TOKEN, type GraphShape, type GraphShapeOptions, type GraphSubcode } from './facebook-graph.js';
export { startInstagramShape, INSTAGRAM_ACCOUNT, INSTAGRAM_LOGIN_REQUIRED, type InstagramShape } from './instagram.js';
export { startThreadsShape, THREADS_ACCOUNT, THREADS_LOGIN_REQUIRED, THREADS_ERROR_PAGE, type ThreadsShape, type ThreadsWebSessionLoss } from './threads.js';
export type { LoginControl, LoginShapeOptions } from './auth.js';
export type { ShapeServer } from './http.js';
export { totpCode, verifyTotp, base32Decode } from './totp.js';
