//! Review cards end to end: from a parked gate to a card, and from a click to one decision.

mod deciding;
