// Outbound: sending SMS (Twilio) and email (Postmark, Mailgun, SendGrid), and reading the
// providers' delivery callbacks back as one DeliveryEvent shape.
export {
  MAILGUN_API_BASE,
  POSTMARK_API_BASE,
  SENDGRID_API_BASE,
  formatFrom,
  sendEmail,
} from "./email-send";
export type { EmailSendConfig, OutboundEmail } from "./email-send";
export {
  MAILGUN_EVENT_MAX_AGE_SECONDS,
  derToP1363,
  parseMailgunEvent,
  parsePostmarkEvent,
  parseSendgridEvents,
  twilioDeliveryEvent,
  verifySendgridSignature,
} from "./delivery-events";
export type {
  DeliveryEvent,
  DeliveryStatus,
  MailgunEventError,
  PayloadError,
  SendgridEventError,
} from "./delivery-events";
export { SEND_TIMEOUT_MS } from "./send-common";
export type { FetchLike, PermanentReason, SendResult } from "./send-common";
export { TWILIO_API_BASE, TWILIO_PERMANENT_CODES, sendTwilioSms } from "./twilio-send";
export type { TwilioSendConfig, TwilioSms } from "./twilio-send";
