// Who is logged in: loaded once from /api/me, changed by log-in, sign-up, invite acceptance and log-out.
import type { InviteInfo, LoginRequest, Me, SignupRequest } from '../../../shared/api';
import { i18n } from '../i18n/i18n.svelte';
import { api, ApiError } from '../lib/api';

export class Session {
  me = $state<Me | null>(null);
  /** False until the first /api/me answer: pages wait rather than flash the log-in form. */
  ready = $state(false);

  async load(): Promise<void> {
    try {
      this.me = await api<Me>('GET', '/me');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) console.warn('session.load', err);
      this.me = null;
    } finally {
      this.ready = true;
    }
  }

  async login(req: LoginRequest): Promise<void> {
    this.signedIn(await api<Me>('POST', '/auth/login', req));
  }

  async signup(req: SignupRequest): Promise<void> {
    this.signedIn(await api<Me>('POST', '/auth/signup', req));
  }

  invite(token: string): Promise<InviteInfo> {
    return api<InviteInfo>('GET', `/invites/${encodeURIComponent(token)}`);
  }

  async acceptInvite(token: string, password: string): Promise<void> {
    this.signedIn(await api<Me>('POST', `/invites/${encodeURIComponent(token)}/accept`, { password }));
  }

  async logout(): Promise<void> {
    await api<void>('POST', '/auth/logout', {}).catch(() => undefined);
    this.me = null;
  }

  private signedIn(me: Me): void {
    this.me = me;
    // The language chosen for this person follows them to a new browser.
    i18n.set(me.language);
  }
}

export const session = new Session();
