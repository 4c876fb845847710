/**
 * The second held-out set (docs/continuity-detection.md, "Round 2"): written before the round-2
 * changes to the detector and before its vocabulary table was read, in domains and wordings the
 * other sets do not use. Measured once after the round-2 detector was frozen. Same shape as the
 * main corpus. Keep it out of any tuning: a pair that fails here is a finding, not a bug to patch,
 * and the set is not edited after it was written.
 */
import type { ContinuityPair } from "./continuity-corpus";

export const CONTINUITY_HELDOUT2: readonly ContinuityPair[] = [
  // --- banking cards ---
  {
    earlier:
      "My debit card was declined at the supermarket even though I have money in the account",
    later: "card keeps getting refused when I pay in shops, my balance is fine",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I lost my credit card yesterday, please block it",
    later: "need to freeze my card, I can't find it anywhere",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "My debit card was declined at the supermarket",
    later: "I want to raise my daily ATM withdrawal limit",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Please send me a replacement card, the chip on mine is damaged",
    later: "There is a card payment I don't recognise on my statement",
    same: false,
    kind: "hard-negative",
  },
  // --- travel bookings ---
  {
    earlier: "My flight to Lisbon was cancelled and I need to rebook",
    later: "the airline dropped my Lisbon flight, how do I get on another one",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Hotel booking BK-448120 shows the wrong dates",
    later: "Re BK-448120: the reservation still says 12-14 May instead of 14-16",
    same: true,
    kind: "reference",
  },
  {
    earlier: "My flight to Lisbon was cancelled",
    later: "I'd like to add a checked bag to my Lisbon flight",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The hotel took a deposit from my card that nobody told me about",
    later: "Can I request a late checkout at the hotel on Sunday?",
    same: false,
    kind: "hard-negative",
  },
  // --- healthcare appointments ---
  {
    earlier: "I need to reschedule my appointment with Dr. Patel next Tuesday",
    later: "can I move my Tuesday visit with Dr Patel to another day",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I never received the results of my blood test from two weeks ago",
    later: "still waiting on my lab results, any update?",
    same: true,
    kind: "followup",
  },
  {
    earlier: "I need to reschedule my appointment with Dr. Patel",
    later: "Dr Patel's prescription for my inhaler hasn't reached the pharmacy",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "I was billed for a clinic visit that my insurance should cover",
    later: "how do I book a flu vaccination at the clinic",
    same: false,
    kind: "hard-negative",
  },
  // --- streaming ---
  {
    earlier: "The app keeps buffering every few seconds on my TV",
    later: "shows on my television stop and load constantly",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "You charged me after I cancelled my subscription",
    later: "I ended my plan last month but the fee was still taken",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The app keeps buffering on my TV",
    later: "how do I add a second profile for my kids on the TV app",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "You charged me after I cancelled my subscription",
    later: "I want to upgrade my subscription to the 4K plan",
    same: false,
    kind: "hard-negative",
  },
  // --- car insurance ---
  {
    earlier: "I want to file a claim, someone hit my parked car",
    later: "a driver crashed into my car while it was parked, how do I claim",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "My renewal premium went up by 40% and I had no accidents",
    later: "why is my insurance price so much higher this year, I haven't made any claims",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Someone hit my parked car and I want to make a claim",
    later: "I need to add my daughter as a named driver on my car policy",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "My windscreen is cracked, is it covered by my policy?",
    later: "I need a copy of my insurance certificate for the car rental",
    same: false,
    kind: "hard-negative",
  },
  // --- e-commerce returns ---
  {
    earlier: "The return label for order 55120934 doesn't work at the post office",
    later: "order 55120934 - the post office rejected the label again",
    same: true,
    kind: "reference",
  },
  {
    earlier: "I received the wrong size shoes and want to exchange them",
    later: "the trainers you delivered are a size too small, can I swap them",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The return label you emailed doesn't work",
    later: "My package arrived with the box crushed and the lamp inside broken",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "I want to return the shoes I ordered",
    later: "Can I change the delivery address on my order before it ships?",
    same: false,
    kind: "hard-negative",
  },
  // --- telecom roaming ---
  {
    earlier: "My phone has no service since I landed in Spain",
    later: "abroad in Madrid and my mobile can't connect to any network",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I was billed for roaming data even though I have the EU package",
    later: "Still no answer about the roaming charges on my bill",
    same: true,
    kind: "followup",
  },
  {
    earlier: "My phone has no service since I landed in Spain",
    later: "how do I turn off roaming data before my trip?",
    same: false,
    kind: "hard-negative",
  },
  // --- utilities ---
  {
    earlier: "There is no water pressure in my kitchen tap since this morning",
    later: "the water barely comes out of the taps",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The gas meter reading on my bill is wrong, it's estimated",
    later: "the bill uses an estimated number, not my real meter reading",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "There is no water pressure in my kitchen tap",
    later: "I want to set up a direct debit for my water bill",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Power cut in our street since 6pm",
    later: "I'm moving house next month and need to close my electricity account",
    same: false,
    kind: "hard-negative",
  },
  // --- same words, other meaning; unrelated ---
  {
    earlier: "My card is blocked and I can't pay",
    later: "The road outside my house is blocked by your engineers' van",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "The bill is too high this month",
    later: "The volume on the TV app is too high even at the lowest setting",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "My flight to Lisbon was cancelled",
    later: "My gas boiler is leaking water onto the floor",
    same: false,
    kind: "unrelated",
  },
  // --- es / fr / de ---
  {
    earlier: "Me cobraron dos veces la cuota de la tarjeta",
    later: "Veo un cargo duplicado de la cuota anual en mi tarjeta",
    same: true,
    kind: "reworded",
    lang: "es",
  },
  {
    earlier: "No puedo iniciar sesión en la aplicación del banco",
    later: "La app del banco no me deja entrar con mi contraseña",
    same: true,
    kind: "reworded",
    lang: "es",
  },
  {
    earlier: "Me cobraron dos veces la cuota de la tarjeta",
    later: "Quiero cambiar el PIN de mi tarjeta",
    same: false,
    kind: "hard-negative",
    lang: "es",
  },
  {
    earlier: "Mon colis n'est jamais arrivé, commande 7781204",
    later: "Toujours rien pour la commande 7781204",
    same: true,
    kind: "reference",
    lang: "fr",
  },
  {
    earlier: "Mon colis n'est jamais arrivé",
    later: "Je voudrais retourner un article reçu hier",
    same: false,
    kind: "hard-negative",
    lang: "fr",
  },
  {
    earlier: "Mein Internet ist seit gestern sehr langsam",
    later: "Die Verbindung ist immer noch total langsam",
    same: true,
    kind: "followup",
    lang: "de",
  },
  {
    earlier: "Mein Internet ist seit gestern sehr langsam",
    later: "Ich möchte meinen Vertrag kündigen",
    same: false,
    kind: "hard-negative",
    lang: "de",
  },
];
