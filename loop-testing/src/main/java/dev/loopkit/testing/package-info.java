/**
 * Public fakes of Loop's core roles for hosts' and adapters' tests: an in-memory tracker, a recording
 * listener, a manual clock and a scripted worker; and {@link dev.loopkit.testing.TrackerContract}, the
 * contract test an adapter author extends.
 */
@NullMarked
package dev.loopkit.testing;

import org.jspecify.annotations.NullMarked;
