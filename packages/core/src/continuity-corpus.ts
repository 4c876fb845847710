/**
 * The labelled corpus that measures start-over detection (docs/continuity-detection.md).
 * Each pair is the reason text of a customer's earlier journey and the first message of a
 * new one, labelled `same` when the new message is about the same problem. Written before
 * the detector was tuned; do not edit it to make the detector pass (add pairs instead, and
 * say so in the docs).
 *
 * Round 2 (docs/continuity-detection.md, "Round 2"): the 28 round-1 held-out pairs, written
 * after the round-1 detector was frozen and measured once, have been seen since, so they are
 * training data now (CONTINUITY_ROUND1_HELDOUT, part of CONTINUITY_CORPUS). The unseen set is
 * continuity-heldout2.ts.
 */

export type PairKind =
  /** The same problem in other words. */
  | "reworded"
  /** A "still broken" or "any news?" follow-up. */
  | "followup"
  /** Shares an order, ticket or case number. */
  | "reference"
  /** Same domain, different problem. */
  | "hard-negative"
  /** Shares words, but they mean something else. */
  | "same-words"
  /** A different domain altogether. */
  | "unrelated";

export interface ContinuityPair {
  earlier: string;
  later: string;
  same: boolean;
  kind: PairKind;
  lang?: "es" | "fr" | "de";
}

/** The 64 pairs the round-1 detector was tuned on. */
export const CONTINUITY_ROUND1_CORPUS: readonly ContinuityPair[] = [
  // --- billing: double charge, refund ---
  {
    earlier: "I was charged twice for March",
    later: "there are two payments on my card for this month",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "You took the monthly payment two times from my bank account",
    later: "Hi, I've been double billed again, the duplicate charge is still on my statement",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I cancelled my subscription but you still charged me and I want my money back",
    later: "Still waiting for the refund you promised for the charge after I cancelled",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Requesting a refund for the overcharge on my last invoice",
    later: "any news on my refund?",
    same: true,
    kind: "followup",
  },
  {
    earlier: "My bill this month is much higher than usual, €40 more than normal",
    later: "Why is my invoice so expensive? It went up by 40 euros without warning",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I was charged twice for March",
    later: "I want to change my plan to the cheaper one",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "There's a duplicate payment on my credit card from you",
    later: "How do I update the credit card you bill each month? Mine expired",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "I need a copy of my invoice for my company's expenses",
    later: "you charged me twice this month, please refund one of the payments",
    same: false,
    kind: "hard-negative",
  },
  // --- internet outage ---
  {
    earlier: "My internet is down since Monday",
    later: "the wifi has not worked for three days now, no connection at all",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Broadband keeps dropping every evening, the connection cuts out constantly",
    later: "My internet connection disconnects all the time at night",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "No internet at home, the router light is flashing red",
    later: "it's still not working",
    same: true,
    kind: "followup",
  },
  {
    earlier: "Fibre line dead since the storm yesterday, nothing loads",
    later: "Hello, any update? We still have no service",
    same: true,
    kind: "followup",
  },
  {
    earlier: "My internet is down since Monday",
    later: "I'd like to upgrade my internet to a faster speed",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The internet connection is very slow in the evenings",
    later: "Can I get a second router for upstairs? I'm moving house next month too",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Internet outage in my street since this morning",
    later: "My TV box shows no channels, just a black screen",
    same: false,
    kind: "hard-negative",
  },
  // --- technician visit missed ---
  {
    earlier: "The technician never showed up for my appointment on Tuesday",
    later: "Your engineer missed the visit we booked, I waited all day",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "No-show from your installer, I took the day off for nothing",
    later: "Nobody came to install the line yesterday even though I had a booking",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The technician never showed up for my appointment on Tuesday",
    later: "The technician who came broke my skirting board while drilling",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "I need to reschedule the engineer visit to next week",
    later: "The engineer visit didn't fix anything, the line is still crackling",
    same: false,
    kind: "hard-negative",
  },
  // --- delivery late ---
  {
    earlier: "My order hasn't arrived yet, it was due last Friday",
    later: "Where is my parcel? It's a week late",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Order 448213 has not been delivered",
    later: "Still no sign of order no. 448213",
    same: true,
    kind: "reference",
  },
  {
    earlier: "Package stuck in transit for 10 days, tracking not updated",
    later:
      "The delivery still hasn't come and the tracking page shows the same status as last week",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Order 551902 arrived damaged, the box was crushed",
    later: "Order 551877 hasn't arrived yet",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "My order hasn't arrived yet, it was due last Friday",
    later: "I'd like to return the shoes from my order, they're too small",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The courier left my parcel with a neighbour I don't know",
    later: "How much does express delivery cost to Spain?",
    same: false,
    kind: "hard-negative",
  },
  // --- password / account lock ---
  {
    earlier: "I'm locked out of my account after too many password attempts",
    later: "can't log in, it says my account is blocked",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The password reset email never arrives",
    later: "I asked to reset my password three times and still haven't received the link",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I can't sign in to the app, it keeps saying wrong password",
    later: "login still failing",
    same: true,
    kind: "followup",
  },
  {
    earlier: "I'm locked out of my account after too many password attempts",
    later: "Please delete my account and all my data",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "I forgot my password",
    later: "I want to change the email address on my account",
    same: false,
    kind: "hard-negative",
  },
  // --- plan change ---
  {
    earlier: "I'd like to switch to the unlimited data plan",
    later: "Can you move me onto the unlimited tariff please",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Downgrade my package to the basic one from next month",
    later: "I asked to go down to the basic plan and I'm still on the premium one",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I'd like to switch to the unlimited data plan",
    later: "My mobile data stopped working abroad",
    same: false,
    kind: "hard-negative",
  },
  // --- cancellation ---
  {
    earlier: "I want to cancel my contract",
    later: "Please terminate my subscription, I'm leaving",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I cancelled two weeks ago but my account is still active",
    later: "Why hasn't my cancellation gone through? I'm still getting emails",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "I want to cancel my contract",
    later: "I want to cancel the technician appointment for tomorrow",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "Cancel my order please, I ordered the wrong size",
    later: "I want to cancel my whole account with you",
    same: false,
    kind: "same-words",
  },
  // --- damaged item ---
  {
    earlier: "The TV I bought arrived with a cracked screen",
    later: "Television delivered broken, the display is smashed",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The blender arrived broken, the jug is cracked",
    later: "I sent you photos of the damaged blender, when will you send a replacement?",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The TV I bought arrived with a cracked screen",
    later: "How do I connect the TV to my soundbar?",
    same: false,
    kind: "hard-negative",
  },
  // --- SIM / number port ---
  {
    earlier: "My number port from my old provider hasn't happened",
    later: "I still can't use my old phone number on the new SIM, the transfer is stuck",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The new SIM card doesn't work, it says no service",
    later: "Sim still not activated, no signal on the phone",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "My number port from my old provider hasn't happened",
    later: "I lost my phone, please block the SIM",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The new SIM card doesn't work, it says no service",
    later: "I'd like an eSIM instead of a physical SIM card",
    same: false,
    kind: "hard-negative",
  },
  // --- insurance claim ---
  {
    earlier: "I filed a claim for water damage in my kitchen three weeks ago",
    later: "What's happening with my claim about the leak in the kitchen?",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Claim CLM-20931 for my car accident, the garage needs approval",
    later: "Following up on claim 20931, the garage is still waiting for your approval",
    same: true,
    kind: "reference",
  },
  {
    earlier: "I filed a claim for water damage in my kitchen three weeks ago",
    later: "I want to add my son as a driver on my car insurance",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "My premium went up at renewal for no reason",
    later: "I need to make a claim, someone hit my parked car",
    same: false,
    kind: "hard-negative",
  },
  // --- references ---
  {
    earlier: "Ticket 77812: router replaced but problem remains",
    later: "re case 77812 – the new box drops out too",
    same: true,
    kind: "reference",
  },
  {
    earlier: "Return label for order #A90412 doesn't scan at the post office",
    later: "the post office still rejects the label for A90412",
    same: true,
    kind: "reference",
  },
  // --- same words, different meaning ---
  {
    earlier: "My phone screen is broken",
    later: "The broken link in your email doesn't open",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "My line is dead, no dial tone",
    later: "The queue line on your hotline was 40 minutes long yesterday",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "The charger you sent doesn't charge my phone",
    later: "Why did you charge me a late fee?",
    same: false,
    kind: "same-words",
  },
  // --- unrelated ---
  {
    earlier: "My internet is down since Monday",
    later: "I was charged twice for March",
    same: false,
    kind: "unrelated",
  },
  {
    earlier: "Where is my parcel? It's a week late",
    later: "I'm locked out of my account",
    same: false,
    kind: "unrelated",
  },
  {
    earlier: "The technician never showed up",
    later: "Please send me my invoice for October",
    same: false,
    kind: "unrelated",
  },
  // --- es / fr / de ---
  {
    earlier: "Me han cobrado dos veces la factura de marzo",
    later: "Hay un cargo duplicado en mi tarjeta este mes",
    same: true,
    kind: "reworded",
    lang: "es",
  },
  {
    earlier: "No tengo internet desde el lunes",
    later: "sigue sin funcionar",
    same: true,
    kind: "followup",
    lang: "es",
  },
  {
    earlier: "Mon colis n'est toujours pas arrivé, commande 300457",
    later: "Où en est la livraison de la commande 300457 ?",
    same: true,
    kind: "reference",
    lang: "fr",
  },
  {
    earlier: "Le technicien n'est pas venu au rendez-vous de mardi",
    later: "Personne n'est passé pour l'intervention prévue, j'ai attendu toute la journée",
    same: true,
    kind: "reworded",
    lang: "fr",
  },
  {
    earlier: "Ich möchte meinen Vertrag kündigen",
    later: "Bitte beenden Sie mein Abo zum nächsten Monat, ich kündige",
    same: true,
    kind: "reworded",
    lang: "de",
  },
  {
    earlier: "Mein Internet funktioniert seit gestern nicht",
    later: "Ich möchte meinen Tarif wechseln",
    same: false,
    kind: "hard-negative",
    lang: "de",
  },
  {
    earlier: "Me han cobrado dos veces la factura de marzo",
    later: "Quiero cambiar mi tarifa a una más barata",
    same: false,
    kind: "hard-negative",
    lang: "es",
  },
  {
    earlier: "Mon colis n'est toujours pas arrivé",
    later: "J'ai oublié mon mot de passe",
    same: false,
    kind: "unrelated",
    lang: "fr",
  },
];

/**
 * The round-1 held-out pairs: written after the round-1 detector was frozen, measured once
 * (P 0.846, R 0.688), and training data since round 2.
 */
export const CONTINUITY_ROUND1_HELDOUT: readonly ContinuityPair[] = [
  {
    earlier: "You debited my account twice for the gym membership",
    later: "The membership fee came out of my bank two times this month",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Electricity bill is way too high this quarter",
    later: "my energy invoice doubled compared to last quarter, can someone explain",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Where is the refund for my returned jacket?",
    later: "I sent the jacket back a month ago and still have not got my money",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Landline has no dial tone since the weekend",
    later: "The home phone is still dead",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The mobile signal at my house disappeared after the update",
    later: "still no bars on my phone at home",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The router you sent keeps rebooting and the wifi goes off",
    later: "WiFi cutting out every few minutes, the box restarts itself",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Engineer was booked for 8-12 today and no one turned up",
    later: "Your technician didn't come again, second missed appointment",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The washing machine I ordered was supposed to be delivered on the 3rd",
    later: "Still waiting for the washing machine delivery, it's now 5 days late",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "My account got suspended and I can't access my emails",
    later: "Please unblock my account, I still cannot get into it",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Please close my account, I'm moving abroad",
    later: "I asked you to terminate everything last week, why am I still billed?",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "The sofa arrived with a torn cushion and a scratched leg",
    later: "Sofa delivered damaged, when are you collecting it?",
    same: true,
    kind: "reworded",
  },
  {
    earlier: "Booking ref 6631904: the hotel charged my card for a cancelled night",
    later: "About booking 6631904, the refund for the cancelled night is still missing",
    same: true,
    kind: "reference",
  },
  {
    earlier: "Mi paquete no ha llegado y ya pasaron dos semanas",
    later: "¿Dónde está mi pedido? Sigue sin llegar",
    same: true,
    kind: "reworded",
    lang: "es",
  },
  {
    earlier: "Je n'arrive plus à me connecter à mon compte",
    later: "Mon compte est toujours bloqué",
    same: true,
    kind: "reworded",
    lang: "fr",
  },
  {
    earlier: "Die Rechnung für November ist doppelt abgebucht worden",
    later: "Sie haben zweimal abgebucht, ich will mein Geld zurück",
    same: true,
    kind: "reworded",
    lang: "de",
  },
  {
    earlier: "Our broadband has been down all day",
    later: "any news?",
    same: true,
    kind: "followup",
  },
  // negatives
  {
    earlier: "You debited my account twice for the gym membership",
    later: "Can I freeze my gym membership while I'm injured?",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Electricity bill is way too high this quarter",
    later: "I'm moving out on the 30th, please take a final meter reading",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Landline has no dial tone since the weekend",
    later: "Please remove the landline from my bundle, I only use the mobile",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The router you sent keeps rebooting and the wifi goes off",
    later: "What is the wifi password printed on the router?",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "Engineer was booked for 8-12 today and no one turned up",
    later: "Can the engineer also install a second socket while here?",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The washing machine I ordered was supposed to be delivered on the 3rd",
    later: "The washing machine leaks water from the door seal",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Where is the refund for my returned jacket?",
    later: "Do you have this jacket in a larger size?",
    same: false,
    kind: "same-words",
  },
  {
    earlier: "My account got suspended and I can't access my emails",
    later: "How do I add my partner as a second user on the account?",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "The sofa arrived with a torn cushion and a scratched leg",
    later: "I was charged for delivery although it was supposed to be free",
    same: false,
    kind: "hard-negative",
  },
  {
    earlier: "Mi paquete no ha llegado y ya pasaron dos semanas",
    later: "Quiero darme de baja del servicio",
    same: false,
    kind: "unrelated",
    lang: "es",
  },
  {
    earlier: "Die Rechnung für November ist doppelt abgebucht worden",
    later: "Mein Handy hat keinen Empfang",
    same: false,
    kind: "unrelated",
    lang: "de",
  },
  {
    earlier: "Booking ref 6631904: the hotel charged my card for a cancelled night",
    later: "Booking 7702113: can I add breakfast to my stay?",
    same: false,
    kind: "hard-negative",
  },
];

/** The training corpus: the round-1 corpus and the round-1 held-out pairs. */
export const CONTINUITY_CORPUS: readonly ContinuityPair[] = [
  ...CONTINUITY_ROUND1_CORPUS,
  ...CONTINUITY_ROUND1_HELDOUT,
];
