import CRabbitMQ

/// Bytes from the broker that are not AMQP 0-9-1 as this client speaks it, or a frame it cannot encode.
/// A connection that meets one closes: the supervisor reconnects.
enum AMQPCodecError: Error, Equatable, CustomStringConvertible {
    case frameTooLarge(size: Int, maximum: Int)
    case missingFrameEnd(found: UInt8)
    case unknownFrameType(UInt8)
    /// The server answered our protocol header with its own: it does not speak 0-9-1.
    case protocolVersionRefused([UInt8])
    case unknownMethod(UInt32)
    case undecodableMethod(UInt32, status: Int32)
    case undecodableProperties(classID: UInt16, status: Int32)
    case malformedFrame(String)
    case unencodable(String, status: Int32)

    var description: String {
        switch self {
        case .frameTooLarge(let size, let maximum): "frame of \(size) bytes exceeds the negotiated frame_max \(maximum)"
        case .missingFrameEnd(let found): "frame does not end with 0xCE (found \(found))"
        case .unknownFrameType(let type): "unknown frame type \(type)"
        case .protocolVersionRefused(let header): "broker refused AMQP 0-9-1 (it offered \(header))"
        case .unknownMethod(let id): "unknown method \(id >> 16).\(id & 0xFFFF)"
        case .undecodableMethod(let id, let status):
            "cannot decode method \(id >> 16).\(id & 0xFFFF): \(Self.text(status))"
        case .undecodableProperties(let classID, let status):
            "cannot decode content header of class \(classID): \(Self.text(status))"
        case .malformedFrame(let what): "malformed frame: \(what)"
        case .unencodable(let what, let status): "cannot encode \(what): \(Self.text(status))"
        }
    }

    private static func text(_ status: Int32) -> String { String(cString: amqp_error_string2(status)) }
}
