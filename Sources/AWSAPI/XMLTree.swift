/// A parsed XML document as a small tree: enough to read AWS's query and REST-XML answers.
///
/// Read by hand rather than with FoundationXML: that module brings libxml2 and ICU (about 60 MB
/// of binary and libraries), which made the functions that call AWS four times the size of the
/// others and slower to start. AWS answers use elements, text, entities and at most CDATA; names
/// are kept as written (with any prefix), attributes, comments, declarations and processing
/// instructions are skipped. Malformed input (mismatched or unclosed tags) is nil.
public final class XMLNode: @unchecked Sendable {
    public let name: String
    public fileprivate(set) var text = ""
    public fileprivate(set) var children: [XMLNode] = []

    init(name: String) { self.name = name }

    public static func parse(_ bytes: [UInt8]) -> XMLNode? {
        var reader = XMLReader(bytes: bytes)
        return reader.document()
    }

    /// The first descendant (depth first) named `name`.
    public func first(_ name: String) -> XMLNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// The text of the first descendant named `name`.
    public func value(_ name: String) -> String? { first(name)?.text }

    /// The direct child named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Follows direct children by name (`node.path("ipPermissions", "item")`): every node at the
    /// end of the path, in document order.
    public func path(_ names: String...) -> [XMLNode] {
        names.reduce([self]) { nodes, name in nodes.flatMap { $0.children.filter { $0.name == name } } }
    }

    /// The text of the direct child named `name`.
    public subscript(_ name: String) -> String? { child(name)?.text }

    /// Every descendant named `name`, in document order.
    public func all(_ name: String) -> [XMLNode] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
    }
}

private struct XMLReader {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() -> XMLNode? {
        var root: XMLNode?
        var stack: [XMLNode] = []
        var text: [UInt8] = []
        func flushText() -> Bool {
            defer { text.removeAll(keepingCapacity: true) }
            guard !text.isEmpty else { return true }
            guard let decoded = decodeEntities(text) else { return false }
            if let open = stack.last { open.text += decoded }
            return true
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                text.append(bytes[index])
                index += 1
                continue
            }
            guard flushText() else { return nil }
            if starts(with: "<!--") {
                guard skip(past: "-->") else { return nil }
            } else if starts(with: "<![CDATA[") {
                index += 9
                let start = index
                guard skip(past: "]]>") else { return nil }
                stack.last?.text += String(decoding: bytes[start..<(index - 3)], as: UTF8.self)
            } else if starts(with: "<?") || starts(with: "<!") {
                guard skip(past: ">") else { return nil }
            } else if starts(with: "</") {
                index += 2
                let name = readName()
                guard skip(past: ">"), let open = stack.popLast(), open.name == name else { return nil }
            } else {
                index += 1
                let name = readName()
                guard !name.isEmpty else { return nil }
                // Attributes, with quoted values that may hold '>' or '/'.
                var selfClosing = false
                var closed = false
                var quote: UInt8?
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if let open = quote {
                        if byte == open { quote = nil }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: ">") {
                        selfClosing = bytes[index - 2] == UInt8(ascii: "/")
                        closed = true
                        break
                    }
                }
                guard closed else { return nil }
                let node = XMLNode(name: name)
                if let parent = stack.last {
                    parent.children.append(node)
                } else if root == nil {
                    root = node
                } else {
                    return nil  // a second root element
                }
                if !selfClosing { stack.append(node) }
            }
        }
        guard flushText(), stack.isEmpty else { return nil }
        return root
    }

    private func starts(with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { prefixBytes in
            (0..<count).allSatisfy { bytes[index + $0] == prefixBytes[$0] }
        }
    }

    /// Moves past the next occurrence of `terminator`; false if there is none.
    private mutating func skip(past terminator: StaticString) -> Bool {
        while index < bytes.count {
            if starts(with: terminator) {
                index += terminator.utf8CodeUnitCount
                return true
            }
            index += 1
        }
        return false
    }

    private mutating func readName() -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }
}

/// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric references; nil for anything else.
private func decodeEntities(_ text: [UInt8]) -> String? {
    guard text.contains(UInt8(ascii: "&")) else { return String(decoding: text, as: UTF8.self) }
    var output: [UInt8] = []
    output.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
        guard text[index] == UInt8(ascii: "&") else {
            output.append(text[index])
            index += 1
            continue
        }
        guard let end = text[index...].firstIndex(of: UInt8(ascii: ";")), end - index <= 12 else { return nil }
        let name = String(decoding: text[(index + 1)..<end], as: UTF8.self)
        switch name {
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "amp": output.append(UInt8(ascii: "&"))
        case "quot": output.append(UInt8(ascii: "\""))
        case "apos": output.append(UInt8(ascii: "'"))
        default:
            let scalarValue: UInt32?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                scalarValue = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                scalarValue = UInt32(name.dropFirst(), radix: 10)
            } else {
                scalarValue = nil
            }
            guard let scalarValue, let scalar = Unicode.Scalar(scalarValue) else { return nil }
            output.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        index = end + 1
    }
    return String(decoding: output, as: UTF8.self)
}
