import FoundationEssentials

/// Reading RFC 4880 (OpenPGP) packets, as far as opening what pgcrypto's `pgp_pub_encrypt`
/// writes needs: old- and new-format headers, and new-format partial body lengths. Every length
/// is checked against the bytes actually there; a malformed message is an error, never a trap.
struct OpenPGPPackets {
    struct Packet {
        let tag: Int
        let body: [UInt8]
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func all(_ bytes: [UInt8]) throws(Malformed) -> [Packet] {
        var reader = OpenPGPPackets(bytes)
        var packets: [Packet] = []
        while let packet = try reader.next() { packets.append(packet) }
        return packets
    }

    mutating func next() throws(Malformed) -> Packet? {
        guard index < bytes.count else { return nil }
        let header = try byte()
        guard header & 0x80 != 0 else { throw Malformed(description: "not an OpenPGP packet header") }
        if header & 0x40 == 0 {
            // Old format: tag in bits 5-2, length type in bits 1-0.
            let tag = Int(header >> 2) & 0x0F
            let length: Int
            switch header & 0x03 {
            case 0: length = Int(try byte())
            case 1: length = try number(2)
            case 2: length = try number(4)
            default: length = bytes.count - index
            }
            return Packet(tag: tag, body: try take(length))
        }
        let tag = Int(header & 0x3F)
        var body: [UInt8] = []
        while true {
            let first = Int(try byte())
            switch first {
            case 0..<192:
                return Packet(tag: tag, body: body + (try take(first)))
            case 192..<224:
                let length = (first - 192) << 8 + Int(try byte()) + 192
                return Packet(tag: tag, body: body + (try take(length)))
            case 255:
                return Packet(tag: tag, body: body + (try take(try number(4))))
            default:
                // A partial body length: 2^(0…30) bytes, and another length follows.
                body += try take(1 << (first & 0x1F))
            }
        }
    }

    private mutating func byte() throws(Malformed) -> UInt8 {
        guard index < bytes.count else { throw Malformed(description: "the message ends inside a packet header") }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func number(_ width: Int) throws(Malformed) -> Int {
        var value = 0
        for _ in 0..<width { value = value << 8 | Int(try byte()) }
        return value
    }

    private mutating func take(_ count: Int) throws(Malformed) -> [UInt8] {
        guard count >= 0, count <= bytes.count - index else { throw Malformed(description: "a packet is longer than the message") }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }
}

extension OpenPGPPackets {
    /// An MPI (RFC 4880 §3.2): a two-octet bit count, then the big-endian bytes.
    static func mpi(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> [UInt8] {
        guard bytes.count >= 2 else { throw Malformed(description: "an MPI is cut short") }
        let bits = Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1])
        let count = (bits + 7) / 8
        guard count <= bytes.count - 2 else { throw Malformed(description: "an MPI is longer than its packet") }
        return Array(bytes.dropFirst(2).prefix(count))
    }

    /// An MPI as written: leading zero bytes dropped, the bit count of what remains.
    static func mpi(encoding bytes: [UInt8]) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        let bits = trimmed.isEmpty ? 0 : trimmed.count * 8 - trimmed[0].leadingZeroBitCount
        return [UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)] + trimmed
    }

    /// A new-format packet around `body`.
    static func packet(tag: Int, _ body: [UInt8]) -> [UInt8] {
        let length: [UInt8] = switch body.count {
        case 0..<192: [UInt8(body.count)]
        case 192..<8384: [UInt8((body.count - 192) >> 8 + 192), UInt8((body.count - 192) & 0xFF)]
        default: [255] + withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) }
        }
        return [0xC0 | UInt8(tag)] + length + body
    }
}
