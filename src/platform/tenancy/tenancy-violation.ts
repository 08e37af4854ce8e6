/** Code tried to touch reseller-limited data in a way isolation cannot check: a bug, so the request fails (500). */
export class TenancyViolation extends Error {
  constructor(detail: string) {
    super(`Tenancy violation: ${detail}`);
    this.name = 'TenancyViolation';
  }
}
