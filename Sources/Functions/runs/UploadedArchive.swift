import CGzip
import Domain
import FoundationEssentials
import Runtime

/// `source.archive`: a configuration folder as base64 of `tar czf` (or plain `tar cf`), for
/// users without Git. Inflated into a fixed buffer, so an archive that would inflate without
/// end stops at the cap instead of taking the function's memory.
enum UploadedArchive {
    /// The file map's 4 MiB plus a header and padding for each of its at most 200 files.
    static let maximumTarBytes = RunSourceFiles.maximumBytes + RunSourceFiles.maximumFiles * 2 * 512 + 64 * 1024

    static func files(base64 text: String) throws -> RunSourceFiles {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw HTTPError.badRequest("source.archive must be base64 of a .tar.gz (tar czf - -C <folder> . | base64)")
        }
        let bytes = [UInt8](data)
        let tar = bytes.starts(with: [0x1F, 0x8B]) ? try inflate(bytes) : bytes
        do throws(RunSourceArchive.Problem) {
            return try RunSourceArchive.files(tar: tar)
        } catch {
            throw HTTPError.badRequest(error.description)
        }
    }

    static func inflate(_ gzip: [UInt8]) throws -> [UInt8] {
        var tar = [UInt8](repeating: 0, count: maximumTarBytes)
        var written = 0
        let status = gzip.withUnsafeBufferPointer { input in
            tar.withUnsafeMutableBufferPointer { output in
                cgzip_inflate(input.baseAddress, input.count, output.baseAddress, output.count, &written)
            }
        }
        switch status {
        case 0: return Array(tar[..<written])
        case 1: throw HTTPError.badRequest("source.archive inflates to more than \(maximumTarBytes >> 20) MiB; a configuration may hold at most 4 MiB")
        default: throw HTTPError.badRequest("source.archive is not a readable gzip stream")
        }
    }
}
