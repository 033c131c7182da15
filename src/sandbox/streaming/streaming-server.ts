import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SandboxEnvironment } from '../sandbox-identity.js';
import type { SandboxChange, SandboxStore } from '../sandbox-store.js';
import { decodeConnectionToken } from './connection-token.js';

/** `StreamingOptions.TokenExpirySeconds`: a token older or newer than this is refused. */
const TOKEN_EXPIRY_MS = 30_000;
const SUPPORTED_VERSIONS = ['', '1', '2'];
/** FeatBit closes a refused connection with 4003 so SDKs stop reconnecting. */
const INVALID_REQUEST = 4003;
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Decides, per upgrade, whether an injected SDK fault refuses it (the status to answer with). */
export type UpgradeFault = () => number | undefined;

/** An open server-SDK connection and its environment. */
interface StreamConnection {
  readonly socket: WebSocket;
  readonly envId: string;
}

/**
 * The evaluation server's `/streaming` WebSocket for server SDKs (`ES Streaming/StreamingMiddleware.cs`,
 * `RequestValidator.cs`, `Messages/*`, `Services/DataSyncService.cs`, `Consumers/*`): the upgrade is accepted, then
 * closed with 4003 when `type`, `version` or the token is wrong or stale; a `data-sync` message with a timestamp
 * is answered with a full (timestamp 0) or patch payload, even an empty one; `ping` with `pong`; every flag change
 * pushes a patch with that one flag (the whole entity, as the back end publishes it), every segment change a patch
 * with that segment; deleting a flag pushes nothing.
 */
export class StreamingServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  private readonly connections = new Set<StreamConnection>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: SandboxStore,
    private readonly environments: readonly SandboxEnvironment[],
    private readonly fault: UpgradeFault = () => undefined,
  ) {
    this.unsubscribe = store.onChange((change) => this.push(change));
  }

  /** Handles `upgrade` events of `server` for `/streaming`; other upgrade paths are refused. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
  }

  /** How many SDK connections are open (for tests). */
  connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every connection (code 1001, so SDKs would reconnect) and stops listening to the store. */
  close(): void {
    this.unsubscribe();
    for (const connection of this.connections) connection.socket.terminate();
    this.connections.clear();
    this.wss.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    if (url.pathname !== '/streaming' && !url.pathname.startsWith('/streaming/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const status = this.fault();
    if (status !== undefined) {
      socket.end(`HTTP/1.1 ${status} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const env = this.validate(url.searchParams);
      if (!env) {
        ws.close(INVALID_REQUEST, 'invalid request, close by server');
        return;
      }
      const connection: StreamConnection = { socket: ws, envId: env.id };
      this.connections.add(connection);
      ws.on('message', (data: RawData) => this.receive(connection, data));
      ws.on('close', () => this.connections.delete(connection));
      ws.on('error', () => this.connections.delete(connection));
    });
  }

  /** `RequestValidator.ValidateCoreAsync` for server connections. */
  private validate(query: URLSearchParams): SandboxEnvironment | undefined {
    if (query.get('type') !== 'server') return undefined;
    if (!SUPPORTED_VERSIONS.includes(query.get('version') ?? '')) return undefined;
    const token = decodeConnectionToken(query.get('token') ?? '');
    if (!token || Math.abs(Date.now() - token.timestamp) > TOKEN_EXPIRY_MS) return undefined;
    return this.environments.find((env) => env.sdkSecret === token.secret);
  }

  private receive(connection: StreamConnection, data: RawData): void {
    let message: { messageType?: unknown; data?: { timestamp?: unknown } | null };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return; // the dispatcher logs and ignores a message it cannot parse
    }
    if (message?.messageType === 'ping') {
      this.send(connection, { messageType: 'pong', data: {} });
      return;
    }
    if (message?.messageType !== 'data-sync') return;
    const timestamp = message.data?.timestamp;
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return;
    const payload = this.store.sdkPayload(connection.envId, timestamp) ?? {
      eventType: 'patch',
      featureFlags: [],
      segments: [],
    };
    this.send(connection, { messageType: 'data-sync', data: payload });
  }

  private push(change: SandboxChange): void {
    const data =
      change.kind === 'flag'
        ? { eventType: 'patch', featureFlags: [change.item], segments: [] }
        : { eventType: 'patch', featureFlags: [], segments: [change.item] };
    for (const connection of this.connections)
      if (connection.envId === change.envId) this.send(connection, { messageType: 'data-sync', data });
  }

  private send(connection: StreamConnection, message: unknown): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(message));
  }
}
