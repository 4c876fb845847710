/**
 * The outreach queue's consumer (docs/outreach.md): sends what a journey decided to send.
 *
 * For each message: claim the row from its journey (the journey reads the constraints now and
 * may hold or suppress it instead; a row already claimed is skipped, so two consumers of one
 * message send once), render the template, record a customer update on the journey as what
 * the customer was told (POST /v1/journeys/:id/messages' own code, idempotent per row, which
 * also mints the email Message-ID and reply address or binds the SMS number pair), send it
 * through the provider, and report the provider's answer back to the journey, which retries
 * with backoff, gives up after `outreach.maxAttempts`, or raises an exception.
 */
import { sendEmail, sendTwilioSms, type EmailSendConfig, type SendResult } from "@baton/channels";
import { outreachMessage, type WorkspaceSettings } from "@baton/core";
import { unwrap } from "../http/errors";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import { customerIdentifiers, recordMessage, type MessageOutcome } from "../ingest/command";
import { e164 } from "../ingest/binding";
import type { OutreachVars, OutreachView } from "../objects/journey/outreach";

export interface OutreachMessage {
  workspace: string;
  journeyId: string;
  outreachId: string;
}

type Channel = "sms" | "email";

/** The Worker's queue() handler for `baton-outreach`. */
export async function outreachQueue(batch: MessageBatch, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (msg) => {
      try {
        await deliver(env, msg.body as OutreachMessage);
        msg.ack();
      } catch (e) {
        // The journey's hand-off lease brings the row back if this retry is lost too.
        console.error(`outreach: ${e instanceof Error ? e.message : String(e)}`);
        msg.retry({ delaySeconds: 5 });
      }
    }),
  );
}

/** Whether the workspace can send SMS: Twilio's sending credentials and a sender number. */
export function smsPath(s: WorkspaceSettings): { from: string } | null {
  const t = s.providers.twilio;
  const from = s.outreach.sms?.from ?? s.replies.smsFrom;
  return t?.accountSid && t.authToken && from ? { from } : null;
}

/** The email provider's sending configuration, or null when outreach has none. */
export function emailPath(s: WorkspaceSettings): EmailSendConfig | null {
  const e = s.outreach.email;
  if (!e) return null;
  const p = s.providers;
  switch (e.provider) {
    case "postmark":
      return p.postmark?.serverToken
        ? {
            provider: "postmark",
            serverToken: p.postmark.serverToken,
            apiBaseUrl: p.postmark.apiBaseUrl,
          }
        : null;
    case "mailgun":
      return p.mailgun?.apiKey && p.mailgun.domain
        ? {
            provider: "mailgun",
            apiKey: p.mailgun.apiKey,
            domain: p.mailgun.domain,
            apiBaseUrl: p.mailgun.apiBaseUrl,
          }
        : null;
    case "sendgrid":
      return p.sendgrid?.apiKey
        ? { provider: "sendgrid", apiKey: p.sendgrid.apiKey, apiBaseUrl: p.sendgrid.apiBaseUrl }
        : null;
  }
}

async function deliver(env: Env, m: OutreachMessage): Promise<void> {
  const settings = await workspaceSettings(env, m.workspace);
  if (!settings) return; // the workspace is gone: nothing to send
  const stub = journeyStub(env, m.workspace, m.journeyId);
  const rows = await stub.outreach(m.workspace, m.journeyId);
  if (!rows.ok) return;
  const row = rows.value.find((r) => r.id === m.outreachId);
  if (!row || row.status !== "queued") return;
  const sms = smsPath(settings);
  const email = emailPath(settings);
  const o = settings.outreach;
  // Where the message can go: the owner's contact from the settings, or the customer's own
  // identifiers; and only on channels the workspace can send on.
  let ownerContact: { email?: string | undefined; phone?: string | undefined } | undefined;
  const available: Channel[] = [];
  if (row.audience === "owner") {
    const vars = await varsOf(stub, m, row);
    ownerContact = vars?.ownerId ? o.owners[vars.ownerId] : undefined;
    if (sms && ownerContact?.phone) available.push("sms");
    if (email && ownerContact?.email) available.push("email");
  } else {
    const context = unwrap(await stub.context(m.workspace, m.journeyId));
    const ids = await customerIdentifiers(env, m.workspace, context.customerId);
    if (sms && ids.some((i) => i.type === "phone")) available.push("sms");
    if (email && ids.some((i) => i.type === "email")) available.push("email");
  }
  const claim = unwrap(
    await stub.outreachClaim(m.workspace, m.journeyId, m.outreachId, {
      available,
      quietHours: o.quietHours,
      timeZone: o.timeZone ?? settings.ivr.timeZone,
    }),
  );
  if (claim.action !== "send") return;
  const { channel, vars } = claim;
  const language = vars.language ?? o.language;
  const timeZone = o.timeZone ?? settings.ivr.timeZone;
  const text = outreachMessage({
    trigger: claim.row.trigger,
    audience: claim.row.audience,
    language,
    channel,
    settings: o,
    vars: templateVars(vars),
    timeZone,
    now: Date.now(),
  });
  const settle = (r: Parameters<typeof stub.outreachSettle>[3]) =>
    stub.outreachSettle(m.workspace, m.journeyId, m.outreachId, r);
  let result: SendResult;
  let recipient: string;
  let messageSeq: number | null = null;
  let provider: string = channel === "sms" ? "twilio" : (o.email?.provider ?? "email");
  if (claim.row.audience === "customer") {
    let recorded: MessageOutcome;
    try {
      recorded = await recordMessage(
        env,
        m.workspace,
        m.journeyId,
        {
          channel,
          text: text.body,
          actor: { kind: "bot", id: "baton-outreach", name: "Baton" },
          ...(channel === "email" && text.subject ? { subject: text.subject } : {}),
          ...(channel === "sms" && sms ? { from: sms.from } : {}),
        },
        `outreach:${m.outreachId}`,
      );
    } catch (e) {
      // The journey's customer has no usable address (422 from the messages code): permanent.
      await settle({
        kind: "failed",
        reason: "invalid_recipient",
        error: problemText(e),
        provider,
      });
      return;
    }
    messageSeq = recorded.event.seq;
    recipient = recorded.to?.value ?? "";
    const t = recorded.threading;
    if (t.kind === "sms" && sms) {
      const callback = t.statusCallback
        ? `${t.statusCallback}&outreachId=${m.outreachId}`
        : undefined;
      result = await sendTwilioSms(twilioConfig(settings), {
        from: t.from,
        to: t.to,
        body: text.body,
        ...(callback ? { statusCallback: callback } : {}),
      });
    } else if (t.kind === "email" && email && o.email) {
      result = await sendEmail(email, {
        from: o.email.from,
        ...(o.email.fromName ? { fromName: o.email.fromName } : {}),
        to: recipient,
        subject: text.subject ?? "",
        text: text.body,
        messageId: t.messageId,
        replyTo: t.replyTo,
        inReplyTo: t.inReplyTo,
        references: t.references,
        tag: `${m.journeyId}:${m.outreachId}`,
      });
    } else {
      await settle({
        kind: "failed",
        reason: null,
        error: "no sending path for the channel",
        provider,
      });
      return;
    }
  } else {
    // An owner nudge: internal, not recorded as something the customer was told.
    if (channel === "sms" && sms && ownerContact?.phone) {
      recipient = e164(ownerContact.phone, settings) ?? ownerContact.phone;
      result = await sendTwilioSms(twilioConfig(settings), {
        from: e164(sms.from, settings) ?? sms.from,
        to: recipient,
        body: text.body,
      });
    } else if (channel === "email" && email && o.email && ownerContact?.email) {
      recipient = ownerContact.email;
      result = await sendEmail(email, {
        from: o.email.from,
        ...(o.email.fromName ? { fromName: o.email.fromName } : {}),
        to: recipient,
        subject: text.subject ?? "",
        text: text.body,
        messageId: `<${m.outreachId}@${settings.replies.emailDomain}>`,
        replyTo: o.email.from,
        tag: `${m.journeyId}:${m.outreachId}`,
      });
    } else {
      await settle({ kind: "failed", reason: null, error: "no contact for the owner", provider });
      return;
    }
  }
  if (channel === "email") provider = email?.provider ?? provider;
  if (result.ok) {
    await settle({ kind: "sent", provider, providerId: result.providerId, recipient, messageSeq });
  } else if (result.retryable) {
    await settle({
      kind: "retry",
      error: sendError(provider, result),
      maxAttempts: o.maxAttempts,
      recipient,
      provider,
    });
  } else {
    await settle({
      kind: "failed",
      reason: result.permanent,
      error: sendError(provider, result),
      recipient,
      provider,
    });
  }
}

async function varsOf(
  stub: ReturnType<typeof journeyStub>,
  m: OutreachMessage,
  row: OutreachView,
): Promise<OutreachVars | null> {
  const v = await stub.outreachVars(m.workspace, m.journeyId, row.id);
  return v.ok ? v.value : null;
}

function twilioConfig(s: WorkspaceSettings) {
  const t = s.providers.twilio;
  return {
    accountSid: t?.accountSid ?? "",
    authToken: t?.authToken ?? "",
    ...(t?.apiBaseUrl ? { apiBaseUrl: t.apiBaseUrl } : {}),
  };
}

/** The template's variables; outreachMessage words times, the journey reference and the lead. */
function templateVars(v: OutreachVars): Record<string, string | number | null | undefined> {
  return {
    journey: v.journey,
    reason: v.reason,
    owner: v.owner,
    team: v.team,
    promise: v.promise,
    due: v.due,
    newDue: v.newDue,
    exception: v.exception,
    lead: v.leadMinutes,
  };
}

function sendError(provider: string, r: Extract<SendResult, { ok: false }>): string {
  const parts = [provider, r.httpStatus !== null ? String(r.httpStatus) : null, r.code, r.message];
  return parts.filter((p) => p !== null && p !== "").join(" ");
}

function problemText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
