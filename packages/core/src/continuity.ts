/**
 * Journey continuity, the pure half (docs/continuity-detection.md): given the first message
 * of a new journey and the customer's earlier journeys, find the ones it may continue.
 * Nothing in this file does I/O.
 */
import type { JourneyStatus } from "./journey";

/** An earlier journey of the same customer, as the customer object's card holds it. */
export interface PriorJourney {
  id: string;
  status: JourneyStatus | string;
  reasonText: string | null;
  reasonTopic: string | null;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export type ContinuityRule = "reference" | "topic" | "text";

export interface ContinuityMatch {
  journeyId: string;
  rule: ContinuityRule;
  /** 0..1; 1 for reference and topic matches. */
  score: number;
  /** The prior journey was resolved: the customer is starting over. */
  startOver: boolean;
}

export interface ContinuityOptions {
  now: number;
  windowDays: number;
  max?: number;
}

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Text: normalization, stop words, light stemming, concepts
// ---------------------------------------------------------------------------------------------

/**
 * Function words and contact-center small talk in en/es/fr/de, diacritics stripped. They say
 * nothing about which problem a message is about ("hi, any update please?").
 */
const STOP_WORDS = new Set(
  [
    // English
    "a an the i im ive id me my mine myself we our us you your yours he him his she her it its",
    "they them their this that these those is am are was were be been being have has had having",
    "do does did done doing will would shall should can could may might must to of in on at for",
    "from by with about as into onto over after before since until than then there here what",
    "which who whom whose when where why how all any some and or but if so just also too very",
    "really again still yet already even only please pls plz thanks thank thx hi hello hey dear",
    "regards ok okay yes sir madam team s t d ll re ve m get got getting go going gone went come",
    "came coming want wanted wants like need needed needs help know let make made say said tell",
    "told keep kept try tried seem one another other same new now today yesterday tomorrow day",
    "days week weeks month months year years ago last next morning evening night tonight time",
    "times monday tuesday wednesday thursday friday saturday sunday january february march april",
    "june july august september october november december hour hours minute minutes update",
    "updates news status follow following followup wait waiting waited heard hear chase chasing",
    "back anything something nothing everything problem problems issue issues question thing",
    "things case ticket number ref reference while because though although whats wheres hasnt",
    "havent isnt arent wasnt dont doesnt didnt cant wont up out off down",
    // Spanish
    "el la los las un una unos unas de del al en y o u que mi mis me se su sus por para con es",
    "son esta este esto estos estas hay han he ha hace desde hasta muy ya sigue siguen todavia",
    "aun tengo tiene tienen tenemos tenia hola gracias quiero quisiera favor lo le les como",
    "cuando mas menos pero otra otro mes semana dia dias hoy ayer lunes martes miercoles jueves",
    "viernes sabado domingo marzo",
    // French
    "le les des du d l au aux et ou qui mon ma mes m je j tu vous nous il elle sont a ai ont",
    "dans pour par avec sur ce cet cette ces toujours encore bonjour merci c qu est plus tout",
    "toute depuis mois semaine jour jours hier aujourd hui mardi lundi journee quand",
    // German
    "der die das den dem des ein eine einen einem einer ich mich mir mein meine meinen meinem",
    "meiner sie ihr ihre ihren wir uns und oder ist sind bin war habe hat haben seit von zu zum",
    "zur mit fur auf an im am bitte danke hallo noch immer schon mochte will gern gerne nachsten",
    "monat woche tag tage gestern heute ",
  ]
    .join(" ")
    .split(" "),
);

/**
 * Negations: kept for phrases ("not working", "no service"), then dropped. All of them stem
 * to "not", so one phrase covers every way of saying it ("not arrived", "never arrived",
 * "sin llegar", "pas arrivé").
 */
const NEGATIONS = new Set([
  ...["not", "no", "never", "nobody", "noone", "none", "cannot", "without"],
  ...["sin", "nadie", "nunca", "ningun", "ninguna", "ne", "pas", "personne", "jamais", "sans"],
  ...["aucun", "aucune", "nicht", "kein", "keine", "keinen", "nie", "ohne"],
]);

/** Particles of English phrasal verbs, which may follow the verb's object. */
const PARTICLES = new Set(["back", "up", "off", "out", "down"]);

/** Lower case, diacritics stripped, contractions spelled out. */
function normalize(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[’`´]/g, "'")
    .replace(/\b(can't|cannot)\b/g, "can not")
    .replace(/\bwon't\b/g, "will not")
    .replace(/n't\b/g, " not")
    .replace(/\bn'/g, "ne ")
    .replace(/\bno one\b/g, "nobody");
}

function rawTokens(text: string): string[] {
  return normalize(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Common English irregular verb forms, to their base form (which the stemmer then treats like
 * any other word): "sent back" meets "send back", "froze" meets "freeze".
 */
const IRREGULAR = new Map(
  [
    "sent send|paid pay|took take|taken take|gave give|given give|bought buy|brought bring",
    "broke break|broken break|stole steal|stolen steal|froze freeze|frozen freeze|rang ring",
    "fell fall|fallen fall|spent spend|sold sell|wrote write|written write|chose choose",
    "chosen choose|forgot forget|forgotten forget|drove drive|driven drive|shown show",
    "caught catch|tore tear|torn tear|ran run|began begin|begun begin|lent lend|withdrew withdraw",
    "withdrawn withdraw|threw throw|thrown throw|hid hide|hidden hide|bent bend|shut shut",
    "flew fly|flown fly|left leave|lost lose|hung hang|stuck stick|woke wake|wore wear",
  ]
    .join("|")
    .split("|")
    .map((pair) => pair.split(" ") as [string, string]),
);

/**
 * A light suffix stripper (English inflections; plural -s and final -e in any language). A
 * consonant doubled before -ing/-ed is undoubled ("cutting", "dropped"), as is any final
 * double consonant of a longer stem ("cancell", "install"), so all forms of a word meet.
 */
function stem(token: string): string {
  if (NEGATIONS.has(token)) return "not";
  let w = IRREGULAR.get(token) ?? token;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  let verb = false;
  if (w.endsWith("ing") && w.length >= 6) [w, verb] = [w.slice(0, -3), true];
  else if (w.endsWith("ed") && w.length >= 5) [w, verb] = [w.slice(0, -2), true];
  else if (w.endsWith("ly") && w.length >= 6) w = w.slice(0, -2);
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1);
  if (verb && w.length === 4 && /([b-df-hj-kmnp-rtv-y])\1$/.test(w)) w = w.slice(0, -1);
  else if (w.length >= 5 && /([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

type ConceptKind = "issue" | "object";
interface Concept {
  id: string;
  kind: ConceptKind;
  /**
   * Concepts of one family do not contradict each other (an outage and a slow line; a
   * technician and an appointment). Default: the concept's own id.
   */
  family?: string;
  /** A generic issue ("failing", "error"): counts as shared, never as a contradiction. */
  generic?: boolean;
  terms: string[];
}

/**
 * General contact-center vocabulary: what a message is about (objects) and what is wrong or
 * wanted (issues), in en/es/fr/de. A term may be one word or a phrase; it is normalized and
 * stemmed like the messages. A term may belong to several concepts ("broken").
 */
// prettier-ignore
const CONCEPTS: readonly Concept[] = [
  // objects: what a message is about
  { id: "internet", kind: "object", family: "connectivity", terms: [
    "internet", "wifi", "wi fi", "wlan", "broadband", "fibre", "fiber", "dsl", "adsl", "router",
    "modem", "connection", "connexion", "conexion", "verbindung", "online", "offline", "web",
  ] },
  { id: "billing", kind: "object", family: "payment", terms: [
    "bill", "billed", "billing", "invoice", "statement", "charge", "payment", "paid", "pay",
    "debit", "direct debit", "fee", "late fee", "bank account", "factura", "cargo", "cobro",
    "cobrar", "cobrado", "pago", "facture", "facturation", "prelevement", "paiement", "debite",
    "rechnung", "abbuchung", "abgebucht", "zahlung", "gebuhr", "bank transfer",
    // round 2
    "money", "amount", "transaction", "dinero", "importe", "argent", "montant", "geld", "betrag",
  ] },
  { id: "card", kind: "object", family: "payment", terms: [
    "card", "credit card", "debit card", "tarjeta", "carte", "karte", "kreditkarte",
    // round 2
    "pin", "pin code", "chip", "contactless", "cvv", "bank card", "carte bancaire", "bankkarte",
  ] },
  { id: "delivery", kind: "object", family: "order", terms: [
    "parcel", "package", "delivery", "deliver", "delivered", "shipment", "shipping", "courier",
    "tracking", "colis", "livraison", "paquete", "envio", "entrega", "paket", "lieferung",
    "sendung", "post", "postman",
    // round 2
    "post office", "dispatch", "dispatched", "shipped", "carrier", "parcel locker", "correos",
    "transportista", "transporteur", "versand",
  ] },
  { id: "order", kind: "object", family: "order", terms: [
    "order", "ordered", "purchase", "commande", "pedido", "bestellung",
    // round 2
    "item", "product", "goods", "articulo", "producto", "article", "produit", "artikel", "ware",
  ] },
  { id: "technician", kind: "object", family: "visit", terms: [
    "technician", "engineer", "tech", "installer", "repairman", "fitter", "tecnico", "technicien",
    "techniker", "monteur",
  ] },
  { id: "appointment", kind: "object", family: "visit", terms: [
    "appointment", "visit", "booking", "booked", "slot", "cita", "visita", "rendez vous",
    "intervention", "termin", "besuch",
    // round 2
    "reservation", "consultation", "check up", "checkup", "reserva", "consulta", "reservierung",
  ] },
  { id: "access", kind: "object", family: "account", terms: [
    "password", "login", "log in", "logon", "log on", "sign in", "signin", "credentials",
    "username", "contrasena", "mot de passe", "passwort", "kennwort", "anmeldung", "einloggen",
    "iniciar sesion", "can not log in", "can not sign in", "wrong password",
  ] },
  { id: "account", kind: "object", family: "account", terms: [
    "account", "profile", "cuenta", "compte", "konto",
  ] },
  { id: "email", kind: "object", family: "account", terms: [
    "email", "e mail", "mail", "correo", "courriel",
  ] },
  { id: "plan", kind: "object", family: "subscription", terms: [
    "plan", "tariff", "tarif", "tarifa", "package", "bundle", "forfait", "data plan", "offer",
  ] },
  { id: "contract", kind: "object", family: "subscription", terms: [
    "contract", "subscription", "membership", "abo", "abonnement", "vertrag", "contrato",
    "suscripcion",
    // round 2
    "renewal", "renew", "renovacion", "renouvellement", "verlangerung",
  ] },
  { id: "sim", kind: "object", family: "mobile", terms: [
    "sim", "esim", "sim card", "carte sim", "tarjeta sim", "simkarte",
  ] },
  { id: "phone-number", kind: "object", family: "mobile", terms: [
    "phone number", "mobile number", "numero", "rufnummer", "nummer", "my number",
  ] },
  { id: "phone", kind: "object", family: "mobile", terms: [
    "phone", "mobile", "handset", "smartphone", "cell", "telefono", "movil", "telephone",
    "portable", "handy",
    // round 2
    "landline", "home phone", "fixed line", "fijo", "fixe", "festnetz",
  ] },
  { id: "data", kind: "object", family: "mobile", terms: [
    "data", "mobile data", "datos", "donnees", "daten", "roaming",
  ] },
  { id: "tv", kind: "object", family: "device", terms: [
    "tv", "television", "telly", "tele", "fernseher", "televisor", "channel", "channels",
    // round 2: streaming
    "streaming", "stream", "show", "film", "movie", "series", "episode", "video", "playback",
    "pelicula", "serie", "emission",
  ] },
  { id: "screen", kind: "object", family: "device", terms: [
    "screen", "display", "pantalla", "ecran", "bildschirm",
  ] },
  { id: "claim", kind: "object", family: "insurance", terms: [
    "claim", "siniestro", "reclamacion", "sinistre", "reclamation", "schadensmeldung",
    "schadenfall",
  ] },
  { id: "insurance", kind: "object", family: "insurance", terms: [
    "insurance", "policy", "cover", "premium", "seguro", "poliza", "assurance", "versicherung",
    // round 2
    "insurer", "covered", "excess", "deductible", "no claims", "franquicia", "assureur",
    "versicherer", "selbstbeteiligung",
  ] },
  { id: "car", kind: "object", terms: [
    "car", "vehicle", "coche", "voiture", "auto", "wagen", "fahrzeug",
    // round 2
    "driver", "windscreen", "windshield", "bumper", "tyre", "tire", "motor", "van", "conductor",
    "pare brise", "conducteur", "windschutzscheibe", "fahrer",
  ] },
  { id: "water", kind: "object", terms: [
    "water", "leak", "flood", "fuga", "agua", "inondation", "fuite", "eau", "wasser",
    "wasserschaden",
    // round 2
    "tap", "pipe", "water pressure", "water supply", "grifo", "tuberia", "robinet", "wasserhahn",
  ] },
  { id: "label", kind: "object", family: "order", terms: [
    "label", "return label", "etiqueta", "etiquette", "etikett",
  ] },
  // issues: what is wrong or wanted
  { id: "outage", kind: "issue", family: "fault", terms: [
    "down", "outage", "not work", "stop work", "stopped working", "dead", "no service",
    "no signal", "no connection", "no internet", "not load", "nothing load", "no dial tone",
    "sin funcionar", "no funciona", "sin servicio", "sin internet", "ne marche pas",
    "ne fonctionne pas", "panne", "averia", "caida", "funktioniert nicht", "geht nicht",
    "ausgefallen", "storung", "not connect", "not charg", "won't charge",
    // round 2
    "power cut", "blackout", "no power", "no electricity", "no gas", "no water", "no bars",
    "no network", "no reception", "no coverage", "disappeared", "gone dead", "corte de luz",
    "sin luz", "sin agua", "sin cobertura", "coupure", "pas de reseau", "stromausfall",
    "kein netz", "kein empfang",
  ] },
  { id: "intermittent", kind: "issue", family: "fault", terms: [
    "drop", "drops", "dropping", "disconnect", "disconnects", "cut out", "cuts out", "unstable",
    "intermittent", "se corta", "coupe", "bricht ab",
    // round 2
    "reboot", "restart", "goes off", "keeps going off", "shuts down", "shut down", "switches off",
    "on and off", "comes and goes", "reinicia", "se apaga", "redemarre", "s'eteint",
    "startet neu", "neustart",
  ] },
  { id: "slow", kind: "issue", family: "fault", terms: [
    "slow", "lento", "lent", "langsam", "buffering", "lag",
    // round 2
    "loading", "keeps loading", "stutter", "choppy", "laggy", "pixelated", "low pressure", "weak",
    "barely", "trickle", "lenteur", "ruckelt",
  ] },
  { id: "noise", kind: "issue", family: "fault", terms: [
    "crackle", "crackling", "noise", "static", "buzz", "echo",
  ] },
  { id: "fault", kind: "issue", generic: true, terms: [
    "fail", "failing", "failed", "error", "fault", "faulty", "broken", "kaputt", "defect",
    "defective",
    // round 2: "je n'arrive pas à …" is "I can't …", not "it has not arrived"
    "n'arrive pas a", "n'arrive plus a", "problem with", "trouble with",
  ] },
  { id: "duplicate", kind: "issue", family: "money", terms: [
    "twice", "double", "doubled", "duplicate", "two payment", "two charge", "two time",
    "two debit", "dos veces", "duplicado", "deux fois", "en double", "doppelt", "zweimal",
  ] },
  { id: "price-high", kind: "issue", family: "money", terms: [
    "overcharge", "overcharged", "too much", "higher", "expensive", "went up", "gone up",
    // round 2
    "too high", "so high", "very high", "way too much", "more expensive", "price increase",
    "risen", "hike", "jumped", "demasiado alto", "trop cher", "trop eleve", "zu hoch", "zu teuer",
    "increase", "increased", "price rise", "more than usual", "caro", "cher", "teuer", "subida",
    "hausse",
  ] },
  { id: "refund", kind: "issue", family: "money", terms: [
    "refund", "reimburse", "reimbursement", "money back", "repay", "reembolso", "devolucion",
    "remboursement", "rembourser", "ruckerstattung", "erstattung", "erstatten", "gutschrift",
  ] },
  { id: "not-arrived", kind: "issue", family: "wait", terms: [
    "late", "delay", "delayed", "overdue", "not arriv", "not come", "never arriv", "not deliver",
    "not receiv", "never receiv", "no sign", "stuck", "lost in transit", "in transit", "retraso",
    "no ha llegado", "no llega", "pas arriv", "retard", "verspatung", "verspatet",
    "nicht angekommen", "nicht geliefert",
    // round 2 (negations are one word to the stemmer: "sin llegar" is "not llegar")
    "not reach", "yet to arrive", "still waiting for", "where is my", "missing", "not llegar",
    "not llegado", "not llega", "not recibido", "not recu", "not recue", "nicht erhalten",
    "nicht bekommen", "noch nicht da",
  ] },
  { id: "missed", kind: "issue", family: "wait", terms: [
    "missed", "no show", "never show", "not show", "never came", "nobody came", "no one came",
    "not turn up", "never turn up", "stood up", "pas venu", "personne n'est passe",
    "personne n'est venu", "nadie vino", "no vino", "nicht gekommen", "nicht erschienen",
  ] },
  { id: "damaged", kind: "issue", family: "damage", terms: [
    "damaged", "damage", "cracked", "smashed", "dented", "shattered", "crushed", "broken",
    "broke", "scratched", "danado", "roto", "endommage", "abime", "casse", "beschadigt", "kaputt",
    "zerbrochen",
  ] },
  { id: "locked", kind: "issue", family: "access", terms: [
    "locked", "locked out", "lock out", "blocked", "suspended", "disabled", "bloqueado", "bloque",
    "gesperrt",
    // round 2: asking for a block or a pause is the same family
    "block", "freeze", "pause", "on hold", "bloquear", "bloquer", "sperren", "pausieren",
  ] },
  { id: "login-fail", kind: "issue", family: "access", terms: [
    "can not log", "can not sign", "not log", "wrong password", "incorrect password",
    "invalid password", "no puedo entrar", "impossible de me connecter",
  ] },
  { id: "forgot", kind: "issue", family: "access", terms: [
    "forgot", "forgotten", "reset", "olvide", "oublie", "vergessen", "zurucksetzen",
  ] },
  { id: "change", kind: "issue", family: "change", terms: [
    "change", "switch", "move to", "move onto", "move me", "instead of", "rather than",
    "cambiar", "changer", "wechseln", "andern", "umstellen", "update my", "modify",
  ] },
  { id: "upgrade", kind: "issue", family: "change", terms: [
    "upgrade", "faster", "more data", "mejorar",
  ] },
  { id: "downgrade", kind: "issue", family: "change", terms: [
    "downgrade", "go down", "cheaper", "barata", "barato", "moins cher", "gunstiger",
  ] },
  { id: "cancel", kind: "issue", family: "cancel", terms: [
    "cancel", "cancellation", "cancelled", "remove", "terminate", "termination", "close my account",
    "end my contract", "leaving", "quit", "cancelar", "dar de baja", "baja", "resilier",
    "resiliation", "annuler", "kundigen", "kundige", "kundigung", "beenden",
  ] },
  { id: "return", kind: "issue", family: "return", terms: [
    "return", "send back", "devolver", "retour", "renvoyer", "zuruckschicken", "rucksendung",
  ] },
  { id: "replacement", kind: "issue", family: "damage", terms: [
    "replacement", "replace", "replaced", "exchange", "swap", "remplacement", "reemplazo",
    "ersatz", "umtausch",
  ] },
  { id: "port", kind: "issue", family: "port", terms: [
    "port", "porting", "transfer", "keep my number", "portabilidad", "portabilite", "portierung",
    "rufnummernmitnahme",
  ] },
  { id: "activate", kind: "issue", family: "port", terms: [
    "activate", "activated", "activation", "activar", "activer", "aktivieren", "not activated",
  ] },
  { id: "expired", kind: "issue", terms: [
    "expired", "expiry", "expires", "caducada", "caducado", "expire", "abgelaufen",
  ] },
  { id: "lost", kind: "issue", family: "lost", terms: [
    "lost", "stolen", "perdido", "robado", "perdu", "vole", "verloren", "gestohlen",
  ] },
  { id: "delete", kind: "issue", family: "delete", terms: [
    "delete", "erase", "remove my data", "borrar", "supprimer", "loschen",
  ] },
  { id: "reschedule", kind: "issue", family: "change", terms: [
    "reschedule", "rebook", "reprogramar", "reporter", "verschieben",
  ] },
  { id: "install", kind: "issue", family: "install", terms: [
    "install", "installation", "installer", "set up", "setup", "instalar", "installer",
    "installieren",
  ] },
  { id: "relocate", kind: "issue", family: "relocate", terms: [
    "moving house", "move house", "moving home", "new address", "moving abroad", "move abroad",
    "moving country", "mudanza", "demenagement",
    "umzug",
  ] },
  // round 2: objects of utilities, travel, healthcare, mobile abroad, e-commerce
  { id: "energy", kind: "object", family: "utility", terms: [
    "electricity", "electric", "energy", "power", "gas", "meter", "smart meter", "kwh",
    "power cut", "no power", "no electricity", "no gas", "blackout", "luz", "electricidad",
    "corte de luz", "sin luz", "electricite", "energie", "gaz", "compteur", "strom", "zahler",
    "stromausfall",
  ] },
  { id: "heating", kind: "object", family: "utility", terms: [
    "boiler", "heating", "radiator", "hot water", "thermostat", "calefaccion", "caldera",
    "chauffage", "chaudiere", "heizung", "therme",
  ] },
  { id: "signal", kind: "object", family: "mobile", terms: [
    "signal", "reception", "coverage", "network", "bars", "mast", "4g", "5g", "3g", "cobertura",
    "senal", "red movil", "reseau", "netz", "empfang", "no bars", "no network", "no reception",
    "no coverage", "sin cobertura", "pas de reseau", "kein netz", "kein empfang",
  ] },
  { id: "abroad", kind: "object", family: "mobile", terms: [
    "abroad", "overseas", "roaming", "international", "foreign", "extranjero", "etranger",
    "ausland",
  ] },
  { id: "flight", kind: "object", family: "trip", terms: [
    "flight", "plane", "airline", "airport", "boarding", "boarding pass", "departure", "vuelo",
    "aerolinea", "vol", "avion", "flug", "flughafen",
  ] },
  { id: "hotel", kind: "object", family: "trip", terms: [
    "hotel", "room", "stay", "accommodation", "hostel", "check in", "check out", "checkout",
    "habitacion", "alojamiento", "chambre", "hebergement", "zimmer", "unterkunft",
  ] },
  { id: "baggage", kind: "object", family: "trip", terms: [
    "bag", "baggage", "luggage", "suitcase", "equipaje", "maleta", "bagage", "valise", "gepack",
    "koffer",
  ] },
  { id: "trip", kind: "object", family: "trip", terms: [
    "trip", "holiday", "vacation", "travel", "itinerary", "viaje", "vacaciones", "voyage",
    "vacances", "reise", "urlaub",
  ] },
  { id: "doctor", kind: "object", family: "health", terms: [
    "doctor", "dr", "gp", "physician", "nurse", "dentist", "specialist", "clinic", "surgery",
    "hospital", "medico", "clinica", "medecin", "clinique", "arzt", "arztin", "praxis", "klinik",
  ] },
  { id: "results", kind: "object", family: "health", terms: [
    "results", "test results", "lab", "blood test", "scan", "x ray", "mri", "resultados",
    "analisis", "resultats", "analyse", "befund", "ergebnisse",
  ] },
  { id: "prescription", kind: "object", family: "health", terms: [
    "prescription", "medication", "medicine", "pharmacy", "refill", "receta", "farmacia",
    "medicamento", "ordonnance", "pharmacie", "medicament", "rezept", "apotheke", "medikament",
  ] },
  { id: "address", kind: "object", family: "order", terms: [
    "address", "delivery address", "direccion", "adresse", "anschrift",
  ] },
  // round 2: issues of cards, insurance, returns, utilities, documents
  { id: "declined", kind: "issue", family: "declined", terms: [
    "declined", "refused", "rejected", "denied", "bounced", "not accepted", "not go through",
    "rechazada", "rechazado", "denegada", "refusee", "refuse", "abgelehnt",
  ] },
  { id: "fraud", kind: "issue", family: "fraud", terms: [
    "fraud", "fraudulent", "unauthorised", "unauthorized", "not recognise", "not recognize",
    "not mine", "scam", "phishing", "fraude", "not reconozco", "not reconnu", "betrug",
  ] },
  { id: "limit", kind: "issue", family: "limit", terms: [
    "limit", "overdraft", "limite", "uberziehung",
  ] },
  { id: "crash", kind: "issue", family: "fault", terms: [
    "crash", "crashes", "crashing", "freeze", "freezes", "frozen", "hang", "unresponsive",
    "se cuelga", "plante", "absturz", "sturzt ab",
  ] },
  { id: "accident", kind: "issue", family: "damage", terms: [
    "accident", "collision", "crash", "crashed", "hit", "bumped", "rear ended", "ran into",
    "accidente", "choque", "accrochage", "unfall", "zusammenstoss",
  ] },
  { id: "wrong-item", kind: "issue", family: "return", terms: [
    "wrong size", "wrong item", "wrong colour", "wrong color", "wrong product", "incorrect item",
    "too small", "too big", "not fit", "talla", "equivocado", "mauvaise taille", "falsche grosse",
  ] },
  { id: "reading", kind: "issue", family: "reading", terms: [
    "meter reading", "reading", "estimated", "lectura", "estimada", "releve", "zahlerstand",
  ] },
  { id: "add", kind: "issue", family: "add", terms: [
    "add", "include", "anadir", "agregar", "ajouter", "hinzufugen",
  ] },
  { id: "document", kind: "issue", family: "document", terms: [
    "copy", "certificate", "proof", "document", "paperwork", "receipt", "copia", "certificado",
    "justificante", "attestation", "certificat", "justificatif", "bescheinigung", "nachweis",
    "kopie", "quittung",
  ] },
];

/**
 * Weights of the features. Two objects of one family ("parcel" and "order") share a little:
 * `objectFamily`, counted once per family.
 */
const TERM_WEIGHT = { issue: 2, object: 1.5, family: 1, objectFamily: 0.5, word: 1 } as const;

interface Lexicon {
  /** Stemmed one-word term → concept indexes. */
  words: Map<string, number[]>;
  /** Stemmed phrases ("not work") by their first stem, longest first, with concept indexes. */
  phrases: Map<string, { stems: string[]; concepts: number[] }[]>;
  /** Stems that occur in some phrase: kept in the phrase sequence even when stop words. */
  phraseVocab: Set<string>;
}

function buildLexicon(): Lexicon {
  const lex: Lexicon = { words: new Map(), phrases: new Map(), phraseVocab: new Set() };
  CONCEPTS.forEach((concept, index) => {
    for (const term of concept.terms) {
      const stems = rawTokens(term).map(stem);
      const first = stems[0];
      if (first === undefined) continue;
      if (stems.length === 1) {
        const list = lex.words.get(first) ?? [];
        if (!list.includes(index)) list.push(index);
        lex.words.set(first, list);
        continue;
      }
      const list = lex.phrases.get(first) ?? [];
      const key = stems.join(" ");
      const same = list.find((p) => p.stems.join(" ") === key);
      if (same === undefined) list.push({ stems, concepts: [index] });
      else if (!same.concepts.includes(index)) same.concepts.push(index);
      list.sort((a, b) => b.stems.length - a.stems.length);
      lex.phrases.set(first, list);
      for (const s of stems) lex.phraseVocab.add(s);
    }
  });
  return lex;
}

const LEXICON = buildLexicon();

/** A message as weighted features: concepts, their families, and the remaining content words. */
interface Features {
  weights: Map<string, number>;
  total: number;
  /** Families of the specific issues and of the objects (for the contradiction checks). */
  issues: Set<string>;
  objects: Set<string>;
  /** It names an object or a content word (not only "still not working"). */
  hasSubject: boolean;
  /** The content words, for the character n-gram backstop. */
  content: string;
}

function features(text: string): Features {
  const raw = rawTokens(text);
  const stems = raw.map(stem);
  const weights = new Map<string, number>();
  const issues = new Set<string>();
  const objects = new Set<string>();
  let hasSubject = false;
  const add = (key: string, weight: number) => weights.set(key, weight);
  const addConcepts = (indexes: readonly number[]) => {
    for (const i of indexes) {
      const c = CONCEPTS[i];
      if (c === undefined) continue;
      add(`c:${c.id}`, TERM_WEIGHT[c.kind]);
      if (c.kind === "object") {
        objects.add(c.family ?? c.id);
        if (c.family !== undefined) add(`o:${c.family}`, TERM_WEIGHT.objectFamily);
        hasSubject = true;
      } else if (c.generic !== true) {
        issues.add(c.family ?? c.id);
        if (c.family !== undefined) add(`f:${c.family}`, TERM_WEIGHT.family);
      }
    }
  };

  // Phrases, on the sequence without the stop words that no phrase uses.
  const seq: number[] = [];
  const stop = raw.map((tok, i) => STOP_WORDS.has(tok) || STOP_WORDS.has(stems[i] ?? ""));
  raw.forEach((tok, i) => {
    if (!stop[i] || NEGATIONS.has(tok) || LEXICON.phraseVocab.has(stems[i] ?? "")) seq.push(i);
  });
  const consumed = new Set<number>();
  for (let p = 0; p < seq.length; p++) {
    const candidates = LEXICON.phrases.get(stems[seq[p] ?? -1] ?? "");
    if (candidates === undefined) continue;
    const hit = candidates.find(
      (c) =>
        p + c.stems.length <= seq.length &&
        c.stems.every((s, k) => !consumed.has(seq[p + k] ?? -1) && stems[seq[p + k] ?? -1] === s),
    );
    if (hit !== undefined) {
      addConcepts(hit.concepts);
      for (let k = 0; k < hit.stems.length; k++) consumed.add(seq[p + k] ?? -1);
      p += hit.stems.length - 1;
      continue;
    }
    // A phrasal verb split by its object ("send the jacket back", "turn the router off"):
    // verb and particle with one word between; the word in between stays a word.
    const split = candidates.find(
      (c) =>
        c.stems.length === 2 &&
        PARTICLES.has(c.stems[1] ?? "") &&
        p + 2 < seq.length &&
        !NEGATIONS.has(raw[seq[p + 1] ?? -1] ?? "") &&
        !consumed.has(seq[p + 2] ?? -1) &&
        stems[seq[p + 2] ?? -1] === c.stems[1],
    );
    if (split === undefined) continue;
    addConcepts(split.concepts);
    consumed.add(seq[p] ?? -1);
    consumed.add(seq[p + 2] ?? -1);
  }
  // Single words: a concept, else a content word.
  const content: string[] = [];
  raw.forEach((tok, i) => {
    if (consumed.has(i) || NEGATIONS.has(tok)) return;
    const s = stems[i] ?? "";
    const hit = LEXICON.words.get(s);
    if (hit !== undefined) {
      addConcepts(hit);
      content.push(tok);
    } else if (!stop[i] && tok.length > 1) {
      add(`w:${s}`, TERM_WEIGHT.word);
      content.push(tok);
      hasSubject = true;
    }
  });
  let total = 0;
  for (const w of weights.values()) total += w;
  return { weights, total, issues, objects, hasSubject, content: content.join(" ") };
}

/**
 * Character trigrams of the content words (joined by spaces, padded at both ends), each as a
 * number made of its three UTF-16 code units: no substring allocation.
 */
function trigrams(text: string): Set<number> {
  const out = new Set<number>();
  const SPACE = 32;
  let a = SPACE;
  let b = SPACE;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : SPACE;
    if (b !== SPACE || c !== SPACE) out.add((a * 65536 + b) * 65536 + c);
    a = b;
    b = c;
  }
  return out;
}

function dice<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let both = 0;
  for (const g of a) if (b.has(g)) both++;
  return (2 * both) / (a.size + b.size);
}

/** Weight of the character n-gram backstop in the blend. */
const CHAR_WEIGHT = 0.25;
/** Both messages name issues and share no family ("charged twice" / "change my plan"). */
const ISSUE_CONTRADICTION = 0.5;
/** Both messages name objects and share no family ("cancel my contract" / "… the appointment"). */
const OBJECT_CONTRADICTION = 0.5;

function disjoint(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size === 0 || b.size === 0) return false;
  for (const k of a) if (b.has(k)) return false;
  return true;
}

function score(x: Features, y: Features): number {
  if (x.total === 0 || y.total === 0) return 0;
  let shared = 0;
  for (const [key, w] of x.weights) if (y.weights.has(key)) shared += w;
  const concept = (2 * shared) / (x.total + y.total);
  const chars = dice(trigrams(x.content), trigrams(y.content));
  let s = (1 - CHAR_WEIGHT) * concept + CHAR_WEIGHT * chars;
  if (disjoint(x.issues, y.issues)) s *= ISSUE_CONTRADICTION;
  if (disjoint(x.objects, y.objects)) s *= OBJECT_CONTRADICTION;
  return Math.min(1, s);
}

/** Text similarity 0..1 between two customer messages about a problem. */
export function similarity(a: string, b: string): number {
  return score(features(a), features(b));
}

/** Threshold at or above which `similarity` counts as the same problem. */
export const SAME_PROBLEM_THRESHOLD = 0.3;

/**
 * A follow-up that names no subject ("it's still not working", "any update?"): no object
 * and no content word, at most a generic issue.
 */
export function isFollowUp(text: string): boolean {
  return followUp(text, features(text));
}

function followUp(text: string, f: Features): boolean {
  return !f.hasSubject && rawTokens(text).length > 0;
}

/** The score of a follow-up linked to the only candidate in the window. */
export const FOLLOW_UP_SCORE = SAME_PROBLEM_THRESHOLD;

/** Reference numbers: runs of ≥ 4 digits, except years (1900–2099). */
export function referenceNumbers(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of text.match(/\d{4,}/g) ?? []) {
    if (run.length === 4 && /^(19|20)\d\d$/.test(run)) continue;
    out.add(run);
  }
  return out;
}

const RULE_RANK: Record<ContinuityRule, number> = { reference: 0, topic: 1, text: 2 };

/**
 * The earlier journeys (updated within windowDays of now) the new journey, opened by `text`
 * with `topic`, may continue: best first, at most `max` (default 3).
 */
export function findPredecessors(
  text: string | null,
  topic: string | null,
  prior: readonly PriorJourney[],
  opts: ContinuityOptions,
): ContinuityMatch[] {
  const max = opts.max ?? 3;
  if (max <= 0) return [];
  const since = opts.now - opts.windowDays * DAY_MS;
  const body = text !== null && text.trim() !== "" ? text : null;
  const lower = body?.toLowerCase() ?? "";
  const numbers = body === null ? new Set<string>() : referenceNumbers(body);
  const mine = body === null ? null : features(body);

  const candidates: { p: PriorJourney; at: number }[] = [];
  for (const p of prior) {
    const at = Date.parse(p.updatedAt);
    // No upper bound: another object's clock may run a little ahead of `now`.
    if (Number.isFinite(at) && at >= since) candidates.push({ p, at });
  }

  const found: (ContinuityMatch & { at: number })[] = [];
  for (const { p, at } of candidates) {
    const startOver = p.status === "resolved";
    const match = (rule: ContinuityRule, score: number) =>
      found.push({ journeyId: p.id, rule, score, startOver, at });
    if (
      body !== null &&
      ((p.id !== "" && lower.includes(p.id.toLowerCase())) ||
        (p.reasonText !== null && [...referenceNumbers(p.reasonText)].some((n) => numbers.has(n))))
    ) {
      match("reference", 1);
    } else if (topic !== null && p.reasonTopic !== null && topic === p.reasonTopic) {
      match("topic", 1);
    } else if (mine !== null && p.reasonText !== null) {
      const s = score(mine, features(p.reasonText));
      if (s >= SAME_PROBLEM_THRESHOLD) match("text", s);
    }
  }

  // A follow-up with no subject continues the only journey it can mean, unless the issues
  // contradict ("still not working" after "I want to cancel").
  const only = candidates.length === 1 ? candidates[0] : undefined;
  if (found.length === 0 && only !== undefined && body !== null && mine !== null) {
    const prev = only.p.reasonText === null ? null : features(only.p.reasonText);
    const contradicts = prev !== null && disjoint(mine.issues, prev.issues);
    if (followUp(body, mine) && !contradicts)
      found.push({
        journeyId: only.p.id,
        rule: "text",
        score: FOLLOW_UP_SCORE,
        startOver: only.p.status === "resolved",
        at: only.at,
      });
  }

  found.sort((a, b) => b.score - a.score || RULE_RANK[a.rule] - RULE_RANK[b.rule] || b.at - a.at);
  return found.slice(0, max).map(({ at: _at, ...m }) => m);
}
