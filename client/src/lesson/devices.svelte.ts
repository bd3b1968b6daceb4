// Camera, microphone and speaker choice before and during a lesson, remembered in this browser.
import { createLocalAudioTrack, createLocalVideoTrack, Room, type LocalAudioTrack, type LocalVideoTrack, VideoPresets } from 'livekit-client';

const STORAGE_KEY = 'muse.devices';

interface Saved {
  audioinput?: string;
  videoinput?: string;
  audiooutput?: string;
}

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Saved;
  } catch {
    return {};
  }
}

export class Devices {
  microphones = $state<MediaDeviceInfo[]>([]);
  cameras = $state<MediaDeviceInfo[]>([]);
  speakers = $state<MediaDeviceInfo[]>([]);
  micId = $state<string>(load().audioinput ?? '');
  cameraId = $state<string>(load().videoinput ?? '');
  speakerId = $state<string>(load().audiooutput ?? '');
  audioTrack = $state<LocalAudioTrack | null>(null);
  videoTrack = $state<LocalVideoTrack | null>(null);
  error = $state<string | null>(null);
  starting = $state(false);

  private save(): void {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ audioinput: this.micId, videoinput: this.cameraId, audiooutput: this.speakerId }));
  }

  async refreshList(): Promise<void> {
    this.microphones = await Room.getLocalDevices('audioinput', false).catch(() => []);
    this.cameras = await Room.getLocalDevices('videoinput', false).catch(() => []);
    this.speakers = await Room.getLocalDevices('audiooutput', false).catch(() => []);
  }

  /** Opens the chosen camera and microphone (speech processing on; music mode changes it in the room). */
  async start(): Promise<void> {
    this.starting = true;
    this.error = null;
    this.stop();
    try {
      this.audioTrack = await createLocalAudioTrack({ deviceId: this.micId || undefined, echoCancellation: true, noiseSuppression: true, autoGainControl: true });
      try {
        this.videoTrack = await createLocalVideoTrack({ deviceId: this.cameraId || undefined, resolution: VideoPresets.h720.resolution });
      } catch {
        this.videoTrack = null; // a lesson without a camera still works
      }
      await this.refreshList();
      // Show the devices actually opened when nothing was chosen before.
      this.micId ||= (await this.audioTrack.getDeviceId()) ?? '';
      if (this.videoTrack) this.cameraId ||= (await this.videoTrack.getDeviceId()) ?? '';
      // A remembered or reported id that the list does not have: show the first listed device.
      if (this.microphones.length && !this.microphones.some((d) => d.deviceId === this.micId)) this.micId = this.microphones[0].deviceId;
      if (this.cameras.length && !this.cameras.some((d) => d.deviceId === this.cameraId)) this.cameraId = this.cameras[0].deviceId;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.starting = false;
    }
  }

  async chooseMic(id: string): Promise<void> {
    this.micId = id;
    this.save();
    await this.audioTrack?.restartTrack({ deviceId: id });
  }

  async chooseCamera(id: string): Promise<void> {
    this.cameraId = id;
    this.save();
    await this.videoTrack?.restartTrack({ deviceId: id });
  }

  chooseSpeaker(id: string): void {
    this.speakerId = id;
    this.save();
  }

  /** Closes the preview microphone: the lesson opens its own with the room's audio mode. */
  releaseAudio(): void {
    this.audioTrack?.stop();
    this.audioTrack = null;
  }

  stop(): void {
    this.audioTrack?.stop();
    this.videoTrack?.stop();
    this.audioTrack = null;
    this.videoTrack = null;
  }
}
