import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import TableOrderAPI
@testable import TableOrderCore
import Testing

/// Every error leaves in the contract's shape, whatever threw it.
@Suite struct ErrorShapeTests {
    struct Probe: Decodable { var count: Int }

    func app() -> some ApplicationProtocol {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware { ErrorMiddleware() }
        router.post("/decode") { request, _ -> String in
            let probe = try await RequestBodyReader.decode(Probe.self, from: request)
            return "\(probe.count)"
        }
        router.get("/unavailable") { _, _ -> String in throw ServiceError.unavailable("down", retryAfter: 2) }
        router.get("/crash") { _, _ -> String in throw CancellationError() }
        return Application(router: router)
    }

    func errorBody(_ response: TestResponse) -> (code: String, message: String) {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        return (error?["code"] as? String ?? "", error?["message"] as? String ?? "")
    }

    @Test func mapsEveryKindOfFailure() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
                #expect(errorBody(response).code == "NOT_FOUND")
            }
            try await client.execute(
                uri: "/decode", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(errorBody(response).code == "UNSUPPORTED_MEDIA_TYPE")
            }
            try await client.execute(
                uri: "/decode", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"count":"3"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let body = errorBody(response)
                #expect(body.code == "VALIDATION_ERROR")
                #expect(body.message.hasPrefix("count"))
            }
            try await client.execute(
                uri: "/decode", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"count":5,"extra":true}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "5")
            }
            let big = ByteBuffer(string: "{\"count\":1" + String(repeating: " ", count: 70_000) + "}")
            try await client.execute(uri: "/decode", method: .post, headers: [.contentType: "application/json"], body: big)
            { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorBody(response).code == "PAYLOAD_TOO_LARGE")
            }
            try await client.execute(uri: "/unavailable", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                #expect(errorBody(response).code == "SERVICE_UNAVAILABLE")
            }
            try await client.execute(uri: "/crash", method: .get) { response in
                #expect(response.status == .internalServerError)
                let body = errorBody(response)
                #expect(body.code == "INTERNAL" && body.message == "internal error")
            }
        }
    }
}
