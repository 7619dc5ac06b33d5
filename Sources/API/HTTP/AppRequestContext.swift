import Hummingbird
import Logging
import NIOCore

/// The request context of every route. Request bodies are read by `RequestBodyReader` with the
/// contract's 64 KiB limit, so the framework's own limit is set just above it.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        self.coreContext = .init(source: source)
    }

    var maxUploadSize: Int { RequestBodyReader.maximumBytes + 1 }
}
