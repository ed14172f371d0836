import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML document as a small tree: enough to read AWS's query and REST-XML answers.
/// (FoundationXML is loaded only by functions that call AWS.)
public final class XMLNode: @unchecked Sendable {
    public let name: String
    public fileprivate(set) var text = ""
    public fileprivate(set) var children: [XMLNode] = []

    init(name: String) { self.name = name }

    public static func parse(_ bytes: [UInt8]) -> XMLNode? {
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
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

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLNode?
    var stack: [XMLNode] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let node = XMLNode(name: elementName)
        stack.last?.children.append(node)
        if root == nil { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}
