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
        if Self.containsNULEscape(buffer.readableBytesView) {
            // PostgreSQL cannot store U+0000 in text: refuse it here rather than fail later in the worker.
            throw ServiceError.validation("body: text must not contain U+0000")
        }
        do {
            return try JSON.decode(T.self, from: buffer.readableBytesView)
        } catch let error as DecodingError {
            throw ServiceError.validation(error.fieldMessage)
        } catch {
            throw ServiceError.validation("body: not valid JSON")
        }
    }

    /// Whether the JSON text has a `\u0000` escape (an escaped backslash followed by `u0000` is not one).
    static func containsNULEscape(_ bytes: some Collection<UInt8>) -> Bool {
        let text = Array(bytes)
        let escape = Array("\\u0000".utf8)
        guard text.count >= escape.count else { return false }
        var index = 0
        while index <= text.count - escape.count {
            if text[index] == escape[0], Array(text[index..<(index + escape.count)]) == escape {
                var backslashes = 0
                var back = index
                while back >= 0, text[back] == UInt8(ascii: "\\") {
                    backslashes += 1
                    back -= 1
                }
                if backslashes % 2 == 1 { return true }
            }
            index += 1
        }
        return false
    }
}
