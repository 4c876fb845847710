/**
 * Every sentence template of the IVR answer, in each language Baton speaks. The slots are
 * filled with speakable text (`speakable()`), never raw input. Templates that take the
 * customer's own words use a form that stays grammatical whatever they wrote ("You told us:
 * I was charged twice."), and none carries a character SSML reads as markup.
 */
import type { SpeechLanguage } from "./speech-lang";

export interface SpeechPhrases {
  /** Nothing personal may be said, or nothing is known. */
  neutral: string;
  /** Personal tier, nothing to say about the journey. */
  welcomeBack: string;
  /** Prompt tier: invites the caller to confirm without saying what we know. */
  prompt: string;
  promptMultiple: string;
  /** An open exception: the apology, then what went wrong. */
  sorry: (what: string) => string;
  /** The reason as a topic ("double charge") or as the customer's own words. */
  aboutTopic: (topic: string) => string;
  toldUs: (words: string) => string;
  /** A promise: who made it, what, and by when (null: no usable date). */
  promised: (who: string | null, what: string, when: string | null) => string;
  /** What was promised when its text has nothing speakable. */
  followUp: string;
  /** Appended to `promised` for an overdue or a broken promise. */
  overdue: string;
  broken: string;
  /** Appended to `promised` for a promise at risk (due soon, its owner was nudged). */
  atRisk: string;
  /** Appended when the promise maker is the owner (the owner sentence is then left out). */
  andHandling: string;
  /** The last thing the company did. */
  lastAction: (what: string, when: string | null) => string;
  /** "Dana from billing", "our billing team". */
  personFrom: (name: string, team: string) => string;
  ourTeam: (team: string) => string;
  handling: (owner: string) => string;
  /** Several open journeys: which one is the call about? */
  whichOf: (options: string[]) => string;
}

const period = (s: string): string => (/[.?!]$/u.test(s) ? s : `${s}.`);

const EN: SpeechPhrases = {
  followUp: "to follow up",
  neutral: "Thanks for calling. Let me connect you.",
  welcomeBack: "Welcome back. Let me connect you.",
  prompt: "Are you calling about your recent request?",
  promptMultiple: "Are you calling about one of your recent requests?",
  sorry: (what) => period(`We are sorry: ${what}`),
  aboutTopic: (topic) => `You called about your ${topic}.`,
  toldUs: (words) => period(`You told us: ${words}`),
  promised: (who, what, when) => `${who ?? "We"} promised ${what}${when ? ` by ${when}` : ""}`,
  overdue: ", and we are late with it",
  broken: ", and we did not keep that promise",
  atRisk: ", and we are on it",
  andHandling: ", and is handling it",
  lastAction: (what, when) =>
    when ? `Our last update, ${when}: ${what}.` : `Our last update: ${what}.`,
  personFrom: (name, team) => `${name} from ${team}`,
  ourTeam: (team) => `our ${team} team`,
  handling: (owner) => `${owner} is handling it.`,
  whichOf: ([a, b, c]) =>
    a === undefined
      ? "Which of your open matters are you calling about today?"
      : b === undefined
        ? `Are you calling about ${a}, or about something else?`
        : c === undefined
          ? `Are you calling about ${a}, or about ${b}?`
          : `Are you calling about ${a}, about ${b}, or about ${c}?`,
};

const ES: SpeechPhrases = {
  followUp: "un seguimiento",
  neutral: "Gracias por llamar. Le comunico enseguida.",
  welcomeBack: "Bienvenido de nuevo. Le comunico enseguida.",
  prompt: "¿Llama por su solicitud reciente?",
  promptMultiple: "¿Llama por una de sus solicitudes recientes?",
  sorry: (what) => period(`Lo sentimos: ${what}`),
  aboutTopic: (topic) => `Su consulta: ${topic}.`,
  toldUs: (words) => period(`Nos dijo: ${words}`),
  promised: (who, what, when) =>
    `${who ? `${who} le prometió` : "Le prometimos"}: ${what}${when ? `, para ${when}` : ""}`,
  overdue: ", y vamos con retraso",
  broken: ", y no cumplimos esa promesa",
  atRisk: ", y estamos en ello",
  andHandling: ", y se encarga de su caso",
  lastAction: (what, when) =>
    when ? `Nuestra última gestión, ${when}: ${what}.` : `Nuestra última gestión: ${what}.`,
  personFrom: (name, team) => `${name}, del equipo ${team},`,
  ourTeam: (team) => `nuestro equipo ${team}`,
  handling: (owner) => `${owner} se encarga de su caso.`,
  whichOf: ([a, b, c]) =>
    a === undefined
      ? "¿Por cuál de sus asuntos abiertos llama hoy?"
      : b === undefined
        ? `¿Llama por ${a}, o por otro asunto?`
        : c === undefined
          ? `¿Llama por ${a}, o por ${b}?`
          : `¿Llama por ${a}, por ${b}, o por ${c}?`,
};

const FR: SpeechPhrases = {
  followUp: "un suivi",
  neutral: "Merci de votre appel. Je vous mets en relation.",
  welcomeBack: "Bon retour parmi nous. Je vous mets en relation.",
  prompt: "Appelez-vous au sujet de votre demande récente ?",
  promptMultiple: "Appelez-vous au sujet de l'une de vos demandes récentes ?",
  sorry: (what) => period(`Nous sommes désolés : ${what}`),
  aboutTopic: (topic) => `Votre demande : ${topic}.`,
  toldUs: (words) => period(`Vous nous avez dit : ${words}`),
  promised: (who, what, when) =>
    `${who ? `${who} vous a promis` : "Nous vous avons promis"} : ${what}${when ? `, pour ${when}` : ""}`,
  overdue: ", et nous sommes en retard",
  broken: ", et nous n'avons pas tenu cette promesse",
  atRisk: ", et nous nous en occupons",
  andHandling: ", et s'occupe de votre dossier",
  lastAction: (what, when) =>
    when ? `Notre dernière action, ${when} : ${what}.` : `Notre dernière action : ${what}.`,
  personFrom: (name, team) => `${name}, de l'équipe ${team},`,
  ourTeam: (team) => `notre équipe ${team}`,
  handling: (owner) => `${owner} s'occupe de votre dossier.`,
  whichOf: ([a, b, c]) =>
    a === undefined
      ? "Pour lequel de vos dossiers en cours appelez-vous aujourd'hui ?"
      : b === undefined
        ? `Appelez-vous au sujet de ${a}, ou d'autre chose ?`
        : c === undefined
          ? `Appelez-vous au sujet de ${a}, ou de ${b} ?`
          : `Appelez-vous au sujet de ${a}, de ${b}, ou de ${c} ?`,
};

const DE: SpeechPhrases = {
  followUp: "eine Rückmeldung",
  neutral: "Danke für Ihren Anruf. Ich verbinde Sie.",
  welcomeBack: "Willkommen zurück. Ich verbinde Sie.",
  prompt: "Rufen Sie wegen Ihrer aktuellen Anfrage an?",
  promptMultiple: "Rufen Sie wegen einer Ihrer aktuellen Anfragen an?",
  sorry: (what) => period(`Es tut uns leid: ${what}`),
  aboutTopic: (topic) => `Ihr Anliegen: ${topic}.`,
  toldUs: (words) => period(`Sie sagten uns: ${words}`),
  promised: (who, what, when) =>
    `${who ? `${who} hat Ihnen zugesagt` : "Wir haben Ihnen zugesagt"}: ${what}${when ? `, fällig ${when}` : ""}`,
  overdue: ", und wir sind damit im Verzug",
  broken: ", und wir haben diese Zusage nicht eingehalten",
  atRisk: ", und wir kümmern uns darum",
  andHandling: ", und kümmert sich darum",
  lastAction: (what, when) =>
    when ? `Unser letzter Schritt, ${when}: ${what}.` : `Unser letzter Schritt: ${what}.`,
  personFrom: (name, team) => `${name} aus dem Team ${team}`,
  ourTeam: (team) => `unser Team ${team}`,
  handling: (owner) => `${owner} kümmert sich darum.`,
  whichOf: ([a, b, c]) =>
    a === undefined
      ? "Wegen welches Ihrer offenen Anliegen rufen Sie heute an?"
      : b === undefined
        ? `Rufen Sie wegen ${a} an, oder wegen etwas anderem?`
        : c === undefined
          ? `Rufen Sie wegen ${a} an, oder wegen ${b}?`
          : `Rufen Sie wegen ${a}, wegen ${b}, oder wegen ${c} an?`,
};

export const PHRASES: Readonly<Record<SpeechLanguage, SpeechPhrases>> = {
  en: EN,
  es: ES,
  fr: FR,
  de: DE,
};

/** Sentences with a slot end with punctuation exactly once. */
export const endSentence = period;
