import Foundation
import Hummingbird
import HTTPTypes
import TableOrderCommon

/// Reads and decodes JSON request bodies under the contract's rules: `application/json` only (415),
/// at most 64 KiB (413), and a 400 naming the field for anything that does not decode.
enum RequestBodyReader {
    static let maximumBytes = 64 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw ServiceError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBytes {
            throw ServiceError(.payloadTooLarge, "request body over 64 KiB")
        }
        var body = request.body
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: maximumBytes)
        } catch {
            throw ServiceError(.payloadTooLarge, "request body over 64 KiB")
        }
        do {
            return try JSON.decode(T.self, from: buffer.readableBytesView)
        } catch let error as DecodingError {
            throw ServiceError.validation(error.fieldMessage)
        } catch {
            throw ServiceError.validation("body: not valid JSON")
        }
    }
}
