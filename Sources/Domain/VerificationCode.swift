/// The 6-character code the browser shows and the user types into the CLI. Its alphabet leaves
/// out look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B), so what is read is what is typed: 26 symbols,
/// about 28 bits, which is why it is stored only as an HMAC under a server key and a device code
/// dies after 5 wrong tries.
public struct VerificationCode: Sendable, Equatable, CustomStringConvertible {
    public static let alphabet = Array("ACDEFGHJKMNPQRTUVWXY34679")
    public static let length = 6

    public let value: String

    /// A fresh random code.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> VerificationCode {
        VerificationCode(value: String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
    }

    public static func generate() -> VerificationCode {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// What the user typed, forgiving case, spaces and a dash (`abc-def`); nil if it cannot be a code.
    public init?(typed text: String) {
        let cleaned = text.uppercased().filter { $0 != " " && $0 != "-" }
        guard cleaned.count == Self.length, cleaned.allSatisfy(Self.alphabet.contains) else { return nil }
        value = cleaned
    }

    init(value: String) { self.value = value }

    /// `ACD-EFG`, easier to read aloud.
    public var displayed: String { "\(value.prefix(3))-\(value.suffix(3))" }

    public var description: String { "VerificationCode(redacted)" }
}
