// A teacher's students and the invite links just made for them.
import type { CreateStudentRequest, CreateStudentResponse, InviteLink, Student } from '../../../shared/api';
import { api } from '../lib/api';
import { errorText } from './errors';

export class Students {
  list = $state<Student[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Invite links made in this visit, by student id (the server keeps only their hashes). */
  links = $state<Record<string, InviteLink>>({});

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.list = await api<Student[]>('GET', '/students');
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.loading = false;
    }
  }

  /** Adds a student; returns false (with this.error set) when the server refused. */
  async add(req: CreateStudentRequest): Promise<boolean> {
    this.error = null;
    try {
      const created = await api<CreateStudentResponse>('POST', '/students', req);
      this.links = { ...this.links, [created.student.id]: created.invite };
      await this.load();
      return true;
    } catch (err) {
      this.error = errorText(err);
      return false;
    }
  }

  async newLink(id: string): Promise<void> {
    this.error = null;
    try {
      const link = await api<InviteLink>('POST', `/students/${id}/invite`, {});
      this.links = { ...this.links, [id]: link };
      await this.load();
    } catch (err) {
      this.error = errorText(err);
    }
  }
}
