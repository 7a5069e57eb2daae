package dev.loopkit.core;

import java.time.Instant;

/** A comment on a ticket: findings of a failed attempt, evidence of a transition, or a person's note. */
public record Comment(Instant at, String author, String body) {}
