import Foundation
import HTTPTypes
import Hummingbird
import TableOrderCore

/// Reads and decodes JSON request bodies under the contract's rules: `application/json` only (415),
/// at most 64 KiB (413), and a 400 naming the field for anything that does not decode.
enum RequestBodyReader {
    static let maximumBytes = 64 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        guard isJSON(contentType: request.headers[.contentType] ?? "") else {
            throw ServiceError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBytes {
            throw ServiceError(.payloadTooLarge, "request body over 64 KiB")
        }
        let body = request.body
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

    /// Whether the media type (before any `;` parameters, spaces around it ignored) is `application/json`,
    /// in any letter case. Plain bytes: this runs on every write request.
    static func isJSON(contentType: String) -> Bool {
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var media = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }[...]
        while let first = media.first, isBlank(first) { media = media.dropFirst() }
        while let last = media.last, isBlank(last) { media = media.dropLast() }
        return media.elementsEqual("application/json".utf8) { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
        }
    }

    /// Whether the JSON text has a `\u0000` escape (an escaped backslash followed by `u0000` is not one).
    /// Scans the body in place: it runs on every write request.
    static func containsNULEscape<Bytes: RandomAccessCollection>(_ text: Bytes) -> Bool where Bytes.Element == UInt8 {
        let backslash = UInt8(ascii: "\\")
        let tail = Array("u0000".utf8)
        var backslashes = 0  // consecutive backslashes just before the current byte
        var index = text.startIndex
        while index != text.endIndex {
            let byte = text[index]
            if byte == backslash {
                backslashes += 1
            } else {
                // A `u` after an odd run of backslashes starts an escape; check it is `u0000`.
                if byte == tail[0], backslashes % 2 == 1,
                    text.distance(from: index, to: text.endIndex) >= tail.count,
                    zip(text[index...].prefix(tail.count), tail).allSatisfy({ $0 == $1 })
                {
                    return true
                }
                backslashes = 0
            }
            index = text.index(after: index)
        }
        return false
    }
}
