// Lesson-wide state in the LiveKit room's metadata, written only by our server.
import { RoomServiceClient } from 'livekit-server-sdk';
import { parseRoomState, type RoomState } from '../../../shared/api';
import type { Config } from '../config';
import { HttpError } from '../errors';

export class RoomStateStore {
  private readonly client: RoomServiceClient;

  constructor(config: Config) {
    this.client = new RoomServiceClient(config.liveKitApiUrl, config.liveKitApiKey, config.liveKitApiSecret);
  }

  async get(room: string): Promise<RoomState> {
    const rooms = await this.call(() => this.client.listRooms([room]));
    if (!rooms.length) throw new HttpError(404, 'room_not_found', `The room ${room} is not open (nobody has joined it yet).`);
    return parseRoomState(rooms[0].metadata);
  }

  async update(room: string, change: Partial<RoomState>): Promise<RoomState> {
    const next = { ...(await this.get(room)), ...change };
    await this.call(() => this.client.updateRoomMetadata(room, JSON.stringify(next)));
    return next;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(503, 'sfu_unavailable', 'The media server did not answer. The lesson goes on, but the change was not made: try again in a moment.');
    }
  }
}
