import Hummingbird
import Logging
import NIOCore

/// The worker's operational HTTP endpoints: `/metrics` (Prometheus text), `/healthz` and `/readyz`.
public enum WorkerHTTPServer {
    /// An application serving the endpoints for `worker` on `host:port`.
    /// `onRunning` receives the bound port (useful with port 0).
    public static func application(for worker: Worker, host: String, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let buffer = ByteBuffer(bytes: worker.registry.emitToBuffer())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: buffer))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            worker.isReady
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready\n")))
        }
        return Application(router: router,
                           configuration: .init(address: .hostname(host, port: port), serverName: "streamscore-worker"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }
}
