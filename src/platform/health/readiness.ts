import { Injectable } from '@nestjs/common';

/**
 * What else readiness reports beside the database: a module registers a named check (e.g. the
 * billing engine, stalled), which answers its problem or undefined. These degrade the answer
 * without failing it: the process still serves the API, so a load balancer keeps it.
 */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, () => string | undefined>();

  register(name: string, check: () => string | undefined): void {
    this.checks.set(name, check);
  }

  /** Each check's problem, by name; empty when all is well. */
  problems(): Record<string, string> {
    const problems: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      const problem = check();
      if (problem !== undefined) problems[name] = problem;
    }
    return problems;
  }
}
