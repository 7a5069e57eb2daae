package dev.loopkit.core.process;

import java.util.List;

/** {@link Sandbox#none()}: runs the command as it is. */
final class NoSandbox implements Sandbox {
  static final NoSandbox INSTANCE = new NoSandbox();

  private NoSandbox() {}

  @Override
  public boolean confines() {
    return false;
  }

  @Override
  public String describe() {
    return "none (unsandboxed: processes run as the harness's user)";
  }

  @Override
  public void check() {}

  @Override
  public List<String> wrap(Command command, Jail jail) {
    return ProcessRunner.resolved(command);
  }

  @Override
  public String toString() {
    return "Sandbox.none()";
  }
}
