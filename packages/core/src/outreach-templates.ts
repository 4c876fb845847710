/**
 * Default outreach wording (docs/outreach.md) for every template key in English, Spanish, French
 * and German: customers are addressed formally (usted, vous, Sie). Workspaces override any
 * entry through `outreach.templates`; outreachMessage() (outreach.ts) picks and renders them.
 * SMS defaults stay within 300 characters before the variables are filled in.
 */
import type { OutreachTemplateKey } from "./outreach-schema";
import type { SpeechLanguage } from "./speech-lang";

export interface DefaultTemplateSet {
  sms: string;
  subject: string;
  email: string;
}

/**
 * What a variable reads as when its value is missing: words that fit where the default
 * templates place the variable (after "on"/"sobre"/"zu", after "due"/"para el"/"le"/"am").
 * `other` covers any variable without its own word.
 */
export const NEUTRAL_WORDS: Readonly<Record<SpeechLanguage, Readonly<Record<string, string>>>> = {
  en: {
    reason: "your request",
    owner: "our team",
    team: "our team",
    journey: "your case",
    promise: "what we promised",
    due: "soon",
    newDue: "a new time",
    exception: "an issue came up",
    lead: "a short while",
    other: "—",
  },
  es: {
    reason: "su solicitud",
    owner: "nuestro equipo",
    team: "nuestro equipo",
    journey: "su caso",
    promise: "lo acordado",
    due: "día acordado",
    newDue: "nuevo día acordado",
    exception: "ha surgido un problema",
    lead: "poco tiempo",
    other: "—",
  },
  fr: {
    reason: "votre demande",
    owner: "notre équipe",
    team: "notre équipe",
    journey: "votre dossier",
    promise: "ce qui était prévu",
    due: "jour convenu",
    newDue: "nouveau jour convenu",
    exception: "un problème est survenu",
    lead: "peu de temps",
    other: "—",
  },
  de: {
    reason: "Ihrem Anliegen",
    owner: "unser Team",
    team: "unser Team",
    journey: "Ihr Vorgang",
    promise: "unsere Zusage",
    due: "vereinbarten Termin",
    newDue: "neuen Termin",
    exception: "es gab ein Problem",
    lead: "Kürze",
    other: "—",
  },
};

export const DEFAULT_TEMPLATES: Readonly<
  Record<OutreachTemplateKey, Readonly<Record<SpeechLanguage, DefaultTemplateSet>>>
> = {
  "promise.at_risk": {
    en: {
      sms: "Update on {reason}: we are still working on {promise}, due {due}. We will tell you as soon as it is done. Ref {journey}",
      subject: "Update on your request (ref {journey})",
      email:
        "Hello,\n\nA quick update on {reason}: we are still working on {promise}, due {due}. We will tell you as soon as it is done.\n\nKind regards.\n\nReference: {journey}",
    },
    es: {
      sms: "Novedades sobre {reason}: seguimos trabajando en {promise}, previsto para el {due}. Le avisaremos en cuanto esté hecho. Ref. {journey}",
      subject: "Novedades sobre su solicitud (ref. {journey})",
      email:
        "Hola:\n\nLe escribimos sobre {reason}: seguimos trabajando en {promise}, previsto para el {due}. Le avisaremos en cuanto esté hecho.\n\nUn saludo.\n\nReferencia: {journey}",
    },
    fr: {
      sms: "Suivi de {reason} : nous travaillons toujours sur {promise}, prévu le {due}. Nous vous préviendrons dès que ce sera fait. Réf. {journey}",
      subject: "Suivi de votre demande (réf. {journey})",
      email:
        "Bonjour,\n\nSuivi de {reason} : nous travaillons toujours sur {promise}, prévu le {due}. Nous vous préviendrons dès que ce sera fait.\n\nCordialement.\n\nRéférence : {journey}",
    },
    de: {
      sms: "Neuigkeiten zu {reason}: Wir arbeiten noch daran ({promise}), fällig am {due}. Wir melden uns, sobald es erledigt ist. Ref. {journey}",
      subject: "Neuigkeiten zu Ihrem Anliegen (Ref. {journey})",
      email:
        "Guten Tag,\n\nNeuigkeiten zu {reason}: Wir arbeiten noch daran ({promise}), fällig am {due}. Wir melden uns, sobald es erledigt ist.\n\nMit freundlichen Grüßen\n\nReferenz: {journey}",
    },
  },
  "promise.renegotiated": {
    en: {
      sms: "Update on {reason}: {promise} is now planned for {newDue} instead of {due}. Sorry for the change. Ref {journey}",
      subject: "New time for your request (ref {journey})",
      email:
        "Hello,\n\nAbout {reason}: {promise} is now planned for {newDue} instead of {due}. We are sorry for the change.\n\nKind regards.\n\nReference: {journey}",
    },
    es: {
      sms: "Novedades sobre {reason}: {promise} queda previsto para el {newDue}, en lugar del {due}. Disculpe el cambio. Ref. {journey}",
      subject: "Nueva fecha para su solicitud (ref. {journey})",
      email:
        "Hola:\n\nSobre {reason}: {promise} queda previsto para el {newDue}, en lugar del {due}. Disculpe el cambio.\n\nUn saludo.\n\nReferencia: {journey}",
    },
    fr: {
      sms: "Suivi de {reason} : {promise} est désormais prévu le {newDue} au lieu du {due}. Veuillez nous excuser pour ce changement. Réf. {journey}",
      subject: "Nouvelle date pour votre demande (réf. {journey})",
      email:
        "Bonjour,\n\nSuivi de {reason} : {promise} est désormais prévu le {newDue} au lieu du {due}. Veuillez nous excuser pour ce changement.\n\nCordialement.\n\nRéférence : {journey}",
    },
    de: {
      sms: "Neuigkeiten zu {reason}: {promise} ist jetzt am {newDue} geplant (statt am {due}). Bitte entschuldigen Sie die Änderung. Ref. {journey}",
      subject: "Neuer Termin zu Ihrem Anliegen (Ref. {journey})",
      email:
        "Guten Tag,\n\nNeuigkeiten zu {reason}: {promise} ist jetzt am {newDue} geplant (statt am {due}). Bitte entschuldigen Sie die Änderung.\n\nMit freundlichen Grüßen\n\nReferenz: {journey}",
    },
  },
  "promise.kept": {
    en: {
      sms: "Good news on {reason}: it is done ({promise}). Thank you for your patience. Ref {journey}",
      subject: "Done: your request (ref {journey})",
      email:
        "Hello,\n\nGood news on {reason}: it is done ({promise}). Thank you for your patience.\n\nKind regards.\n\nReference: {journey}",
    },
    es: {
      sms: "Buenas noticias sobre {reason}: ya está hecho ({promise}). Gracias por su paciencia. Ref. {journey}",
      subject: "Hecho: su solicitud (ref. {journey})",
      email:
        "Hola:\n\nBuenas noticias sobre {reason}: ya está hecho ({promise}). Gracias por su paciencia.\n\nUn saludo.\n\nReferencia: {journey}",
    },
    fr: {
      sms: "Bonne nouvelle pour {reason} : c'est fait ({promise}). Merci de votre patience. Réf. {journey}",
      subject: "C'est fait : votre demande (réf. {journey})",
      email:
        "Bonjour,\n\nBonne nouvelle pour {reason} : c'est fait ({promise}). Merci de votre patience.\n\nCordialement.\n\nRéférence : {journey}",
    },
    de: {
      sms: "Gute Nachricht zu {reason}: Erledigt ({promise}). Danke für Ihre Geduld. Ref. {journey}",
      subject: "Erledigt: Ihr Anliegen (Ref. {journey})",
      email:
        "Guten Tag,\n\nGute Nachricht zu {reason}: Erledigt ({promise}). Danke für Ihre Geduld.\n\nMit freundlichen Grüßen\n\nReferenz: {journey}",
    },
  },
  "promise.broken": {
    en: {
      sms: "We are sorry: we did not keep our promise ({promise}), due {due}. We will contact you shortly with a new time. Ref {journey}",
      subject: "Sorry: your request is late (ref {journey})",
      email:
        "Hello,\n\nWe are sorry: about {reason}, we did not keep our promise ({promise}), due {due}. We will contact you shortly with a new time.\n\nKind regards.\n\nReference: {journey}",
    },
    es: {
      sms: "Lo sentimos: no hemos cumplido lo prometido ({promise}) para el {due}. Le contactaremos en breve con una nueva fecha. Ref. {journey}",
      subject: "Disculpe el retraso (ref. {journey})",
      email:
        "Hola:\n\nLo sentimos: sobre {reason}, no hemos cumplido lo prometido ({promise}) para el {due}. Le contactaremos en breve con una nueva fecha.\n\nUn saludo.\n\nReferencia: {journey}",
    },
    fr: {
      sms: "Toutes nos excuses : nous n'avons pas tenu notre engagement ({promise}) prévu le {due}. Nous vous recontacterons rapidement avec une nouvelle date. Réf. {journey}",
      subject: "Toutes nos excuses pour ce retard (réf. {journey})",
      email:
        "Bonjour,\n\nToutes nos excuses : pour {reason}, nous n'avons pas tenu notre engagement ({promise}) prévu le {due}. Nous vous recontacterons rapidement avec une nouvelle date.\n\nCordialement.\n\nRéférence : {journey}",
    },
    de: {
      sms: "Es tut uns leid: Wir haben unsere Zusage ({promise}), fällig am {due}, nicht eingehalten. Wir melden uns in Kürze mit einem neuen Termin. Ref. {journey}",
      subject: "Entschuldigung für die Verzögerung (Ref. {journey})",
      email:
        "Guten Tag,\n\nes tut uns leid: Zu {reason} haben wir unsere Zusage ({promise}), fällig am {due}, nicht eingehalten. Wir melden uns in Kürze mit einem neuen Termin.\n\nMit freundlichen Grüßen\n\nReferenz: {journey}",
    },
  },
  "exception.raised": {
    en: {
      sms: "Update on {reason}: {exception}. We will be in touch about the next steps. Ref {journey}",
      subject: "About your request (ref {journey})",
      email:
        "Hello,\n\nAn update on {reason}: {exception}. We will be in touch about the next steps.\n\nKind regards.\n\nReference: {journey}",
    },
    es: {
      sms: "Novedades sobre {reason}: {exception}. Le contactaremos para los próximos pasos. Ref. {journey}",
      subject: "Sobre su solicitud (ref. {journey})",
      email:
        "Hola:\n\nNovedades sobre {reason}: {exception}. Le contactaremos para los próximos pasos.\n\nUn saludo.\n\nReferencia: {journey}",
    },
    fr: {
      sms: "Suivi de {reason} : {exception}. Nous reviendrons vers vous pour la suite. Réf. {journey}",
      subject: "À propos de votre demande (réf. {journey})",
      email:
        "Bonjour,\n\nSuivi de {reason} : {exception}. Nous reviendrons vers vous pour la suite.\n\nCordialement.\n\nRéférence : {journey}",
    },
    de: {
      sms: "Neuigkeiten zu {reason}: {exception}. Wir melden uns wegen der nächsten Schritte. Ref. {journey}",
      subject: "Zu Ihrem Anliegen (Ref. {journey})",
      email:
        "Guten Tag,\n\nNeuigkeiten zu {reason}: {exception}. Wir melden uns wegen der nächsten Schritte.\n\nMit freundlichen Grüßen\n\nReferenz: {journey}",
    },
  },
  "owner.nudge": {
    en: {
      sms: "Promise due in {lead}: {promise} (journey {journey}, {reason})",
      subject: "Promise due in {lead}: journey {journey}",
      email: "Promise due in {lead}: {promise}\n\nDue: {due}\nJourney: {journey}\nReason: {reason}",
    },
    es: {
      sms: "Promesa con vencimiento en {lead}: {promise} (caso {journey}, {reason})",
      subject: "Promesa con vencimiento en {lead}: caso {journey}",
      email:
        "Promesa con vencimiento en {lead}: {promise}\n\nVence: {due}\nCaso: {journey}\nMotivo: {reason}",
    },
    fr: {
      sms: "Promesse à tenir dans {lead} : {promise} (dossier {journey}, {reason})",
      subject: "Promesse à tenir dans {lead} : dossier {journey}",
      email:
        "Promesse à tenir dans {lead} : {promise}\n\nÉchéance : {due}\nDossier : {journey}\nMotif : {reason}",
    },
    de: {
      sms: "Zusage fällig in {lead}: {promise} (Vorgang {journey}, {reason})",
      subject: "Zusage fällig in {lead}: Vorgang {journey}",
      email:
        "Zusage fällig in {lead}: {promise}\n\nFällig: {due}\nVorgang: {journey}\nAnliegen: {reason}",
    },
  },
};
