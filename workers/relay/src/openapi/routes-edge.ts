import * as z from "zod";
import { WorkspaceIdPattern } from "../http/validate";
import { SessionInput } from "../routes/chat";
import { ConnectEvent, GenesysInput, StudioQuery } from "../routes/hooks-ivr";
import * as R from "./responses";
import type { Reply, RouteDoc } from "./table";

const callStart = { kind: "key", scope: "context:read" } as const;
const workspace = { workspace: z.string().regex(WorkspaceIdPattern) };
const ivrMap: Reply = {
  description: "the ivr map for the caller (docs/ivr.md)",
  schema: R.IvrMap,
  name: "IvrMap",
};
const twilioSigned = {
  kind: "none",
  why: "Twilio's X-Twilio-Signature over the URL and parameters",
} as const;
const twilioForm = {
  contentTypes: ["application/x-www-form-urlencoded"],
  description: "Twilio's webhook parameters (docs/channels/twilio.md)",
};
const twiml = (what: string): Reply => ({ description: what, contentType: "text/xml" });
const emailAccepted: Reply = {
  description: "stored as an inbound email event",
  schema: R.EmailAccepted,
  name: "EmailAccepted",
};

/** Call-start hooks, provider webhooks, web chat, MCP and the API's own documents. */
export const EDGE_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/hooks/:workspace/connect",
    operationId: "connectCallStart",
    tag: "Call start",
    summary: "Amazon Connect call start",
    description:
      "The Lambda event, forwarded by the small Lambda in docs/ivr.md. The key's workspace must be the one in the path.",
    auth: callStart,
    params: workspace,
    body: {
      name: "ConnectEvent",
      schema: ConnectEvent,
      examples: {
        call: {
          summary: "A call from a phone number",
          value: {
            Name: "ContactFlowEvent",
            Details: {
              ContactData: {
                CustomerEndpoint: { Address: "+14155550100", Type: "TELEPHONE_NUMBER" },
                ContactId: "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
              },
              Parameters: {},
            },
          },
        },
        german: {
          summary: "A caller whose contact language is German (Parameters.language)",
          value: {
            Name: "ContactFlowEvent",
            Details: {
              ContactData: {
                CustomerEndpoint: { Address: "+14155550100", Type: "TELEPHONE_NUMBER" },
              },
              Parameters: { language: "de-DE" },
            },
          },
        },
      },
    },
    responses: { 200: ivrMap },
  },
  {
    method: "post",
    path: "/hooks/:workspace/genesys",
    operationId: "genesysCallStart",
    tag: "Call start",
    summary: "Genesys Cloud data action",
    auth: callStart,
    params: workspace,
    body: {
      name: "GenesysInput",
      schema: GenesysInput,
      examples: {
        call: {
          summary: "A caller with full attestation",
          value: { phone: "+14155550100", attestation: "A" },
        },
        spanish: {
          summary: "A caller who chose Spanish (answered in es-MX, docs/ivr.md#languages)",
          value: { phone: "+14155550100", language: "es-MX" },
        },
      },
    },
    responses: { 200: ivrMap },
  },
  {
    method: "get",
    path: "/hooks/:workspace/studio",
    operationId: "studioCallStart",
    tag: "Call start",
    summary: "Twilio Studio HTTP Request widget",
    description:
      "Studio can only put credentials in the URL: the key may be the password of HTTP Basic.",
    auth: callStart,
    params: workspace,
    query: StudioQuery,
    queryExamples: {
      call: {
        summary: "A call with STIR/SHAKEN attestation A",
        value: { phone: "+14155550100", stirVerstat: "TN-Validation-Passed-A" },
      },
      french: {
        summary: "A caller who chose French (answered in fr-FR, docs/ivr.md#languages)",
        value: { phone: "+14155550100", language: "fr" },
      },
    },
    responses: { 200: ivrMap },
  },
  {
    method: "post",
    path: "/hooks/:workspace/twilio/sms",
    operationId: "twilioSms",
    tag: "Provider webhooks",
    summary: "Twilio: a message comes in",
    auth: twilioSigned,
    params: workspace,
    rawBody: twilioForm,
    responses: { 200: twiml("TwiML with the configured acknowledgement, or empty") },
  },
  {
    method: "post",
    path: "/hooks/:workspace/twilio/status",
    operationId: "twilioStatus",
    tag: "Provider webhooks",
    summary: "Twilio: message (or call) status callback",
    auth: twilioSigned,
    params: workspace,
    rawBody: twilioForm,
    responses: { 200: twiml("empty TwiML") },
  },
  {
    method: "post",
    path: "/hooks/:workspace/twilio/voice",
    operationId: "twilioVoice",
    tag: "Provider webhooks",
    summary: "Twilio: a call comes in",
    auth: twilioSigned,
    params: workspace,
    rawBody: twilioForm,
    responses: { 200: twiml("TwiML that greets and routes the call") },
  },
  {
    method: "post",
    path: "/hooks/:workspace/twilio/voice-status",
    operationId: "twilioVoiceStatus",
    tag: "Provider webhooks",
    summary: "Twilio: call status callback",
    auth: twilioSigned,
    params: workspace,
    rawBody: twilioForm,
    responses: { 200: twiml("empty TwiML") },
  },
  {
    method: "post",
    path: "/hooks/:workspace/postmark",
    operationId: "postmarkInbound",
    tag: "Provider webhooks",
    summary: "Postmark inbound email",
    auth: {
      kind: "none",
      why: "HTTP Basic credentials configured in the workspace's email settings",
    },
    params: workspace,
    rawBody: {
      contentTypes: ["application/json"],
      description: "Postmark's inbound JSON (docs/channels/email.md)",
    },
    responses: { 200: emailAccepted },
  },
  {
    method: "post",
    path: "/hooks/:workspace/mailgun",
    operationId: "mailgunInbound",
    tag: "Provider webhooks",
    summary: "Mailgun inbound route",
    auth: { kind: "none", why: "Mailgun's HMAC signature and single-use token" },
    params: workspace,
    rawBody: {
      contentTypes: ["application/x-www-form-urlencoded", "multipart/form-data"],
      description: "Mailgun's parsed message fields (docs/channels/email.md)",
    },
    responses: { 200: emailAccepted },
  },
  {
    method: "post",
    path: "/hooks/:workspace/sendgrid",
    operationId: "sendgridInbound",
    tag: "Provider webhooks",
    summary: "SendGrid Inbound Parse",
    auth: {
      kind: "none",
      why: "HTTP Basic credentials configured in the workspace's email settings",
    },
    params: workspace,
    rawBody: {
      contentTypes: ["multipart/form-data"],
      description: "SendGrid's parsed message fields (docs/channels/email.md)",
    },
    responses: { 200: emailAccepted },
  },
  {
    method: "post",
    path: "/chat/:workspace/sessions",
    operationId: "startChatSession",
    tag: "Web chat",
    summary: "Start a web chat session",
    description:
      "Called from the visitor's browser. A signed-in user is proven with userId + userHash (HMAC) or a JWT token; an email typed into the chat is only a claim.",
    auth: {
      kind: "none",
      why: "called from browsers; identity comes from the site's HMAC or JWT, not a key",
    },
    params: workspace,
    body: {
      name: "ChatSessionInput",
      schema: SessionInput,
      examples: {
        visitor: {
          summary: "An anonymous visitor's first message",
          value: { visitorId: "v_8f3a2c1d9e", name: "Ana", text: "Hi, I was charged twice" },
        },
      },
    },
    responses: {
      201: {
        description: "the journey, a session token and the socket URL",
        schema: R.ChatSession,
        name: "ChatSession",
      },
    },
  },
  {
    method: "get",
    path: "/chat/:workspace/socket",
    operationId: "openChatSocket",
    tag: "Web chat",
    summary: "The journey's live WebSocket",
    description:
      "Open as a WebSocket (Upgrade: websocket); frames are described in docs/channels/webchat.md.",
    auth: { kind: "none", why: "the session token from POST /chat/{workspace}/sessions" },
    params: workspace,
    rawQuery: { token: "the sessionToken from POST /chat/{workspace}/sessions" },
    responses: { 101: { description: "switching to the WebSocket protocol" } },
  },
  {
    method: "get",
    path: "/chat/widget.js",
    operationId: "chatWidget",
    tag: "Web chat",
    summary: "The chat widget script",
    auth: { kind: "none", why: "public script" },
    responses: { 200: { description: "the widget", contentType: "application/javascript" } },
  },
  {
    method: "post",
    path: "/mcp",
    operationId: "mcp",
    tag: "MCP",
    summary: "Model Context Protocol (Streamable HTTP, stateless)",
    description:
      "JSON-RPC 2.0 messages of the Model Context Protocol: AI agents list and call Baton's tools (context lookups and journey writes). Host and Origin must name this Worker (MCP_ALLOWED_HOSTS) or localhost.",
    auth: { kind: "anyKey", why: "each tool checks the scope it needs" },
    rawBody: {
      contentTypes: ["application/json"],
      description: "a JSON-RPC 2.0 request or notification",
    },
    responses: {
      200: {
        description: "the JSON-RPC answer (JSON, or an event stream when the client accepts one)",
        schema: R.AnyObject,
        name: "AnyObject",
        contentType: "text/event-stream",
      },
      202: { description: "a notification was accepted" },
    },
  },
  {
    method: "get",
    path: "/",
    operationId: "health",
    tag: "Meta",
    summary: "Health",
    auth: { kind: "none", why: "public" },
    responses: { 200: { description: "the name and health", schema: R.Health, name: "Health" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "openapiDocument",
    tag: "Meta",
    summary: "This OpenAPI 3.1 document",
    auth: { kind: "none", why: "public" },
    responses: { 200: { description: "the document", schema: R.AnyObject, name: "AnyObject" } },
  },
  {
    method: "get",
    path: "/docs",
    operationId: "referencePage",
    tag: "Meta",
    summary: "The API reference page, rendered from this document",
    auth: { kind: "none", why: "public" },
    responses: { 200: { description: "a self-contained HTML page", contentType: "text/html" } },
  },
];
