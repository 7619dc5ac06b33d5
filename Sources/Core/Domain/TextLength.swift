/// How the contract measures text (v1.1 §2): in Unicode scalar values, not user-perceived characters.
///
/// `String.count` counts grapheme clusters, and one cluster can hold any number of combining marks: "m"
/// followed by 600 accents is one character but 1,201 bytes. Counting scalars bounds the bytes a limit
/// lets through (at most 4 per scalar), so a body of 64 KiB never becomes a row, an event or a cached
/// snapshot much larger than itself.
extension StringProtocol {
    public var scalarCount: Int { unicodeScalars.count }
}
