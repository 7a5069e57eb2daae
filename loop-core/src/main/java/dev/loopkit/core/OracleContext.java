package dev.loopkit.core;

import java.time.Clock;

/**
 * What an {@link Oracle} may read: the tracker (external truth) and the clock. Deliberately nothing the
 * workers wrote or said.
 */
public record OracleContext(Tracker tracker, Clock clock) {}
