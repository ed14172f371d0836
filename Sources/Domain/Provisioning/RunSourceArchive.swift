/// A configuration uploaded as a tar archive (`tar cf` or, inflated first, `tar czf`) by a user
/// without Git: read into the same file map as `source.files`, under the same rules
/// (`RunSourceFiles`). Only regular files and folders are taken; links, devices and anything
/// else are refused, so nothing in the archive can point outside the run's folder. Hidden
/// entries (`.terraform/`, `.git/`, `.terraform.lock.hcl`, macOS's `._*`) are left out: the run
/// initialises its own providers from the platform's mirror.
///
/// Understands ustar, GNU tar's long names (`L`) and pax headers (`x`, for `path`), which is
/// what GNU tar and bsdtar (macOS) write.
public enum RunSourceArchive {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notAnArchive(String)
        case unsupportedEntry(path: String, type: String)
        case notText(String)
        case files(RunSourceFiles.Problem)

        public var description: String {
            switch self {
            case .notAnArchive(let why): "source.archive is not a tar archive (tar czf or tar cf): \(why)"
            case .unsupportedEntry(let path, let type): "source.archive holds \(RunSourceFiles.Problem.quoted(path)), a \(type): only regular files and folders are taken"
            case .notText(let path): "source.archive's \(RunSourceFiles.Problem.quoted(path)) is not UTF-8 text"
            case .files(let problem): problem.description.replacing("source.files", with: "source.archive")
            }
        }
    }

    static let block = 512

    public static func files(tar bytes: [UInt8]) throws(Problem) -> RunSourceFiles {
        var files: [String: String] = [:]
        var offset = 0
        var longName: String?
        while true {
            guard offset <= bytes.count - block else {
                // Archives end with zero blocks; one cut short is not trusted.
                throw .notAnArchive(files.isEmpty ? "too short" : "it ends in the middle of an entry")
            }
            let header = bytes[offset..<offset + block]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard checksumHolds(header) else { throw .notAnArchive("a header's checksum is wrong") }
            guard let size = octal(header, at: 124, length: 12) else { throw .notAnArchive("a header's size is not a number") }
            let dataStart = offset + block
            let padded = size.isMultiple(of: block) ? size : size + (block - size % block)
            guard padded <= bytes.count - dataStart else { throw .notAnArchive("an entry is longer than the archive") }
            let data = bytes[dataStart..<dataStart + size]
            offset = dataStart + padded

            let type = header[header.startIndex + 156]
            switch type {
            case UInt8(ascii: "L"):  // GNU: the next entry's full name
                longName = text(data)
                continue
            case UInt8(ascii: "x"):  // pax: this entry's attributes, of which only the path matters here
                longName = paxPath(data) ?? longName
                continue
            case UInt8(ascii: "g"):  // pax defaults for the whole archive
                continue
            default:
                break
            }
            let name = longName ?? ustarName(header)
            longName = nil
            let path = relative(name)
            if path.isEmpty || isHidden(path) { continue }
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                guard let content = String(validating: data, as: UTF8.self) else { throw .notText(path) }
                files[path] = content
            case UInt8(ascii: "5"):
                continue
            default:
                throw .unsupportedEntry(path: path, type: kind(type))
            }
        }
        do throws(RunSourceFiles.Problem) {
            return try RunSourceFiles(files)
        } catch {
            throw .files(error)
        }
    }

    /// `./main.tf` and `main.tf` are the same file; the folder `./` itself is nothing.
    static func relative(_ name: String) -> String {
        var path = Substring(name)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path == "." ? "" : String(path)
    }

    static func isHidden(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") && $0 != ".." }
    }

    static func ustarName(_ header: ArraySlice<UInt8>) -> String {
        let name = text(field(header, at: 0, length: 100))
        // POSIX ustar ("ustar\0") splits long paths into prefix (345..<500) and name; GNU's
        // "ustar " keeps other things there and writes long names as `L` entries instead.
        let magic = header[(header.startIndex + 257)..<(header.startIndex + 263)]
        guard magic.elementsEqual("ustar\0".utf8) else { return name }
        let prefix = text(field(header, at: 345, length: 155))
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    static func field(_ header: ArraySlice<UInt8>, at start: Int, length: Int) -> ArraySlice<UInt8> {
        let slice = header[(header.startIndex + start)..<(header.startIndex + start + length)]
        return slice.prefix { $0 != 0 }
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal field (spaces and NULs around it); nil for anything else, base-256 sizes included
    /// (only files over 8 GiB use them, far beyond what a configuration may be).
    static func octal(_ header: ArraySlice<UInt8>, at start: Int, length: Int) -> Int? {
        let digits = header[(header.startIndex + start)..<(header.startIndex + start + length)]
            .drop { $0 == UInt8(ascii: " ") }.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }
        guard !digits.isEmpty, digits.count <= 11 else { return digits.isEmpty ? 0 : nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))  // 11 octal digits stay below 2^33
        }
        return value
    }

    /// The header's bytes summed with the checksum field as spaces (POSIX; some writers sum signed bytes).
    static func checksumHolds(_ header: ArraySlice<UInt8>) -> Bool {
        guard let stored = octal(header, at: 148, length: 8) else { return false }
        var unsigned = 0, signed = 0
        for (index, byte) in header.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// pax records are "<length> <key>=<value>\n".
    static func paxPath(_ data: ArraySlice<UInt8>) -> String? {
        var rest = data
        while let space = rest.firstIndex(of: UInt8(ascii: " ")) {
            guard let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self)), length > 0,
                  length <= rest.count else { return nil }
            let record = rest[rest.startIndex..<(rest.startIndex + length)]
            rest = rest[(rest.startIndex + length)...]
            let body = record[(space + 1)...].dropLast()  // the newline
            if let equals = body.firstIndex(of: UInt8(ascii: "=")), body[body.startIndex..<equals].elementsEqual("path".utf8) {
                return String(decoding: body[(equals + 1)...], as: UTF8.self)
            }
        }
        return nil
    }

    static func kind(_ type: UInt8) -> String {
        switch type {
        case UInt8(ascii: "1"): "hard link"
        case UInt8(ascii: "2"): "symbolic link"
        case UInt8(ascii: "3"), UInt8(ascii: "4"): "device"
        case UInt8(ascii: "6"): "FIFO"
        default: "entry of type \(type < 0x20 || type > 0x7E ? "\(type)" : String(UnicodeScalar(type)))"
        }
    }
}
