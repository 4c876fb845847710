// Email: four ways in (Postmark, Mailgun, SendGrid, Cloudflare Email Routing), one canonical
// email, one event. See docs/channels/email.md.
export { isMessageId, messageIds, parseAddresses, replyTokens } from "./addresses";
export { decodeCharset } from "./charset";
export { basicAuthMatches } from "./crypto";
export { MAILGUN_REPLAY_WINDOW_SECONDS, fromMailgun, verifyMailgun } from "./mailgun";
export type { MailgunAuthError } from "./mailgun";
export { parseRawEmail, readLimited } from "./mime";
export { multipartBoundary, splitMultipart } from "./multipart";
export type { FormPart } from "./multipart";
export { fromPostmark } from "./postmark";
export { stripQuoted } from "./quotes";
export { workspaceFromRecipient } from "./routing";
export { fromSendGrid } from "./sendgrid";
export { emailToEvent } from "./to-event";
export type { EmailEvent } from "./to-event";
export { EMAIL_MAX_BYTES } from "./types";
export type {
  AttachmentMeta,
  CanonicalEmail,
  EmailAddress,
  EmailInputError,
  EmailResult,
  EmailSource,
} from "./types";
