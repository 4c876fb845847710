import { TwilioVoiceSettings, type JourneyContext } from "@baton/core";
import { describe, expect, it } from "vitest";
import {
  emptyTwiml,
  escapeXml,
  messageTwiml,
  renderTemplate,
  smsAckTwiml,
  taskAttributes,
  voiceTwiml,
} from "./twiml";

const CA = "CA" + "c".repeat(32);

function context(over: Partial<JourneyContext> = {}): JourneyContext {
  const at = "2026-01-13T10:00:00.000Z";
  return {
    id: "jrn_0000000000000000000001",
    workspace: "ws",
    customerId: "cus_0000000000000000000001",
    status: "open",
    statusSince: at,
    reason: null,
    owner: null,
    lastAction: null,
    constraints: [],
    promises: [],
    exceptions: [],
    facts: [],
    history: { total: 0, recent: [] },
    effort: {
      contacts: 1,
      channels: ["sms"],
      channelSwitches: 0,
      handoffs: 0,
      repeats: 0,
      brokenPromises: 0,
    },
    flags: [],
    seq: 1,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

const owned = context({
  owner: { kind: "person", id: "dana", name: "Dana Reyes", team: "billing", since: "x" },
  reason: { text: "a double charge", topic: "billing.double_charge", at: "x" },
});

const voice = (over: Record<string, unknown> = {}) => TwilioVoiceSettings.parse(over);

describe("escapeXml", () => {
  it("escapes markup characters and drops characters XML cannot carry", () => {
    expect(escapeXml(`<Say>"Tom" & 'Jerry'</Say>`)).toBe(
      "&lt;Say&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/Say&gt;",
    );
    expect(escapeXml("a\u0000b\u0007c\td\ne\uffff\ud800f")).toBe("abc\td\nef");
    expect(escapeXml("emoji 😀 stays")).toBe("emoji 😀 stays");
  });
});

describe("basic responses", () => {
  it("are well-formed TwiML", () => {
    expect(emptyTwiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(messageTwiml("Fish & chips <3")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Fish &amp; chips &lt;3</Message></Response>',
    );
  });
});

describe("templates", () => {
  it("fill known values and fall back to neutral words", () => {
    expect(renderTemplate("{owner} ({team}) {due}", { owner: "Dana", team: null })).toBe(
      "Dana (our team) soon",
    );
    expect(renderTemplate("{owner}", { owner: "Dana" }, false)).toBe("our team");
  });

  it("acknowledge an SMS with the owner and the next promise's due date", () => {
    const ctx = context({
      ...owned,
      promises: [
        {
          id: "p1",
          text: "refund",
          dueAt: "2026-01-15T17:00:00.000Z",
          madeBy: { kind: "agent" },
          status: "pending",
          createdAt: "x",
          settledAt: null,
          note: null,
          verifyBy: "2026-01-15T18:00:00.000Z",
          channel: null,
          replaces: null,
          replacedBy: null,
          history: [],
        },
      ],
    });
    const xml = smsAckTwiml("Thanks! {owner} from {team} will reply {due}.", ctx);
    expect(xml).toContain(
      "<Message>Thanks! Dana Reyes from billing will reply by Thursday, January 15.</Message>",
    );
    expect(smsAckTwiml(undefined, ctx)).toBe(emptyTwiml());
  });
});

describe("voice", () => {
  it("greets a verified caller with the owner's name and reason and enqueues to the owner", () => {
    const xml = voiceTwiml({
      settings: voice(),
      context: owned,
      callSid: CA,
      callerVerified: true,
    });
    expect(xml).toContain(
      "<Say>Thanks for calling. Connecting you to Dana Reyes about billing double charge.</Say>",
    );
    expect(xml).toContain("<Enqueue>dana</Enqueue>");
  });

  it("speaks the customer's words as the reason only when short and there is no topic", () => {
    const say = (text: string) =>
      voiceTwiml({
        settings: voice({ greeting: "About {reason}." }),
        context: context({ reason: { text, topic: null, at: "x" } }),
        callSid: CA,
        callerVerified: true,
      });
    expect(say("a double charge")).toContain("<Say>About a double charge.</Say>");
    expect(say("x".repeat(81))).toContain("<Say>About your request.</Say>");
  });

  it("says the greeting in the workspace's language, leaving out Twilio's default and bad tags", () => {
    const say = (language: string | undefined) =>
      voiceTwiml({
        settings: voice(),
        context: owned,
        callSid: CA,
        callerVerified: false,
        language,
      });
    expect(say("es-MX")).toContain('<Say language="es-MX">Thanks for calling.');
    expect(say("de-DE")).toContain('<Say language="de-DE">');
    expect(say("en-US")).toContain("<Say>Thanks for calling.");
    expect(say(undefined)).toContain("<Say>Thanks for calling.");
    for (const bad of ['es" loop="0', "<x>", "", "e", "es-MX-&"])
      expect(say(bad), bad).toContain("<Say>Thanks for calling.");
  });

  it("uses the default queue when the journey has no owner", () => {
    const xml = voiceTwiml({
      settings: voice({ defaultQueue: "front-desk" }),
      context: context(),
      callSid: CA,
      callerVerified: true,
    });
    expect(xml).toContain(
      "<Say>Thanks for calling. Connecting you to our team about your request.</Say>",
    );
    expect(xml).toContain("<Enqueue>front-desk</Enqueue>");
  });

  it("speaks nothing about the journey to an unverified caller", () => {
    const xml = voiceTwiml({
      settings: voice(),
      context: owned,
      callSid: CA,
      callerVerified: false,
    });
    expect(xml).not.toContain("Dana");
    expect(xml).not.toContain("double charge");
    expect(xml).toContain(
      "<Say>Thanks for calling. Connecting you to our team about your request.</Say>",
    );
  });

  it("creates a TaskRouter task with routing attributes only when a workflow is set", () => {
    const settings = voice({ workflowSid: "WW" + "e".repeat(32) });
    const input = { settings, context: owned, callSid: CA, callerVerified: false };
    const xml = voiceTwiml(input);
    expect(xml).toContain(`<Enqueue workflowSid="WW${"e".repeat(32)}"><Task>{&quot;type&quot;`);
    expect(xml).not.toContain("double charge");
    expect(taskAttributes(input)).toMatchObject({
      callSid: CA,
      callerVerified: false,
      batonJourneyId: owned.id,
      reasonTopic: "billing.double_charge",
      owner: { id: "dana", team: "billing" },
      queue: null,
    });
  });

  it("dials the owner's client, a fixed number, or a SIP URI", () => {
    const client = voiceTwiml({
      settings: voice({ mode: "dial", dialTo: "client:{ownerId}" }),
      context: owned,
      callSid: CA,
      callerVerified: true,
    });
    expect(client).toContain("<Dial><Client><Identity>dana</Identity>");
    expect(client).toContain('<Parameter name="callerVerified" value="true"/>');
    const number = voiceTwiml({
      settings: voice({ mode: "dial", dialTo: "+14155550111" }),
      context: context(),
      callSid: CA,
      callerVerified: true,
    });
    expect(number).toContain("<Dial><Number>+14155550111</Number></Dial>");
    const sip = voiceTwiml({
      settings: voice({ mode: "dial", dialTo: "sip:{ownerId}@pbx.example.com" }),
      context: owned,
      callSid: CA,
      callerVerified: true,
    });
    expect(sip).toContain("<Dial><Sip>sip:dana@pbx.example.com</Sip></Dial>");
  });

  it("enqueues to the default queue when dialTo needs an owner and there is none", () => {
    const xml = voiceTwiml({
      settings: voice({ mode: "dial", dialTo: "client:{ownerId}" }),
      context: context(),
      callSid: CA,
      callerVerified: true,
    });
    expect(xml).toContain("<Enqueue>support</Enqueue>");
    expect(xml).not.toContain("<Dial>");
  });

  it("escapes owner names that contain markup", () => {
    const ctx = context({
      owner: { kind: "person", id: "x<y", name: "Tom & <Jerry>", team: null, since: "x" },
    });
    const xml = voiceTwiml({ settings: voice(), context: ctx, callSid: CA, callerVerified: true });
    expect(xml).toContain("Tom &amp; &lt;Jerry&gt;");
    expect(xml).toContain("<Enqueue>x&lt;y</Enqueue>");
  });
});

describe("voice settings", () => {
  it("reject unknown placeholders and dial mode without a target", () => {
    expect(TwilioVoiceSettings.safeParse({ greeting: "Hi {customer}" }).success).toBe(false);
    expect(TwilioVoiceSettings.safeParse({ mode: "dial" }).success).toBe(false);
  });
});
