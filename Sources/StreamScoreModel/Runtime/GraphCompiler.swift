/// What a kernel with a subgraph attribute (Scan) needs beyond its `NodeInfo`.
struct SubgraphContext {
    /// Outer-scope values the node's subgraphs read, appended after the node's declared inputs
    /// when the kernel runs.
    let implicitInputs: [String]
    /// Compiles a subgraph attribute of the node with the model's registry and opsets; its
    /// `outerNames` equal `implicitInputs`.
    let compile: (Graph) throws(ModelError) -> CompiledGraph
}

/// Builds kernels for operators that carry subgraphs and so need the compiler itself.
typealias SubgraphKernelBuilder = @Sendable (NodeInfo, SubgraphContext) throws(ModelError) -> any Kernel

/// Compiles graphs into `CompiledGraph` plans: validates that every input is produced,
/// sorts nodes topologically, folds constants and builds every kernel up front.
struct GraphCompiler {
    let registry: KernelRegistry
    let opsets: [String: Int]

    /// Operators whose kernels need a subgraph compiler, keyed by "domain::op".
    static let subgraphBuilders: [String: SubgraphKernelBuilder] = [
        "::Scan": ScanKernel.build,
    ]

    /// Operators never evaluated at load time even when all inputs are constant.
    private static let nondeterministicOps: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    /// Compiles `graph`. `outerNames` are values supplied at run time by an enclosing graph;
    /// `outerConstants` are enclosing-scope constants visible to this graph.
    func compile(_ graph: Graph, outerNames: [String] = [],
                 outerConstants: [String: Tensor] = [:]) throws(ModelError) -> CompiledGraph {
        let nodes = graph.nodes
        let labels = nodes.enumerated().map { i, node in node.name.isEmpty ? "\(node.opType)_\(i)" : node.name }

        // Constants visible here: enclosing constants unless shadowed, then initializers.
        var locallyDefined = Set(graph.initializers.keys)
        for input in graph.inputs { locallyDefined.insert(input.name) }
        for node in nodes { for output in node.outputs where !output.isEmpty { locallyDefined.insert(output) } }
        var constants = outerConstants.filter { !locallyDefined.contains($0.key) && !outerNames.contains($0.key) }
        for (name, tensor) in graph.initializers { constants[name] = tensor }

        let feeds = graph.inputs.filter { graph.initializers[$0.name] == nil }
        var runtimeNames = Set(outerNames)
        for input in feeds { runtimeNames.insert(input.name) }

        // Producers of node outputs; duplicates are an error.
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producer[output] != nil || graph.initializers[output] != nil || runtimeNames.contains(output) {
                    throw .invalidGraph("value '\(output)' is produced more than once (again by node '\(labels[i])' (\(node.opType)))")
                }
                producer[output] = i
            }
        }

        // Constant nodes are folded before anything else.
        var folded = [Bool](repeating: false, count: nodes.count)
        for (i, node) in nodes.enumerated() where node.opType == "Constant" && node.domain.isEmpty {
            guard node.outputs.count == 1, !node.outputs[0].isEmpty else {
                throw .invalidNode(node: labels[i], message: "Constant must have exactly one output")
            }
            constants[node.outputs[0]] = try ConstantNode.value(of: node, label: labels[i])
            folded[i] = true
        }

        // Implicit inputs of nodes with subgraphs: outer values their bodies read at run time.
        var implicitInputs = [[String]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() where !folded[i] {
            var names: [String] = []
            for case .graph(let body) in node.attributes.sorted(by: { $0.key < $1.key }).map(\.value) {
                for name in Self.freeVariables(of: body) where constants[name] == nil && !names.contains(name) {
                    names.append(name)
                }
            }
            implicitInputs[i] = names
        }

        // Every input must come from a graph input, an initializer, a constant or a node.
        for (i, node) in nodes.enumerated() where !folded[i] {
            for input in node.inputs where !input.isEmpty {
                if constants[input] == nil && !runtimeNames.contains(input) && producer[input] == nil {
                    throw .invalidGraph("node '\(labels[i])' (\(node.opType)) input '\(input)' is not produced by any node, initializer or graph input")
                }
            }
            for input in implicitInputs[i] where !runtimeNames.contains(input) && producer[input] == nil {
                throw .invalidGraph("node '\(labels[i])' (\(node.opType)) subgraph reads '\(input)', which is not produced by any node, initializer or graph input")
            }
        }

        let order = try Self.topologicalOrder(nodes: nodes, labels: labels, folded: folded,
                                              implicitInputs: implicitInputs, producer: producer)

        // Build kernels in order, evaluating nodes whose inputs are all constant.
        struct PendingStep {
            var kernel: any Kernel
            var inputs: [String]
            var outputs: [String]
            var name: String
        }
        var pending: [PendingStep] = []
        for i in order {
            let node = nodes[i]
            guard let version = opsets[node.domain] else {
                throw .invalidGraph("node '\(labels[i])' (\(node.opType)) uses domain '\(node.domain)', which the model does not import")
            }
            var constantInputs: [Int: Tensor] = [:]
            for (k, input) in node.inputs.enumerated() where !input.isEmpty {
                if let tensor = constants[input] { constantInputs[k] = tensor }
            }
            let info = NodeInfo(name: labels[i], opType: node.opType, domain: node.domain, opsetVersion: version,
                                inputs: node.inputs, outputs: node.outputs, attributes: node.attributes,
                                constantInputs: constantInputs)
            let factory = try registry.factory(for: info)
            let kernel: any Kernel
            let hasSubgraph = node.attributes.values.contains { if case .graph = $0 { true } else { false } }
            if let builder = Self.subgraphBuilders[node.domain + "::" + node.opType] {
                let outer = implicitInputs[i]
                let visible = constants
                let context = SubgraphContext(implicitInputs: outer) { (body: Graph) throws(ModelError) -> CompiledGraph in
                    try self.compile(body, outerNames: outer, outerConstants: visible)
                }
                kernel = try builder(info, context)
            } else {
                kernel = try factory(info)
            }

            let nonEmptyInputs = node.inputs.filter { !$0.isEmpty }
            let allConstant = !nonEmptyInputs.isEmpty && nonEmptyInputs.allSatisfy { constants[$0] != nil }
            if allConstant && implicitInputs[i].isEmpty && !hasSubgraph
                && !Self.nondeterministicOps.contains(node.opType) {
                let arguments: [Value?] = node.inputs.map { $0.isEmpty ? nil : constants[$0].map(Value.tensor) }
                let results = try kernel.run(arguments)
                var tensors: [String: Tensor] = [:]
                for (k, output) in node.outputs.enumerated() where !output.isEmpty && k < results.count {
                    guard case .tensor(let tensor) = results[k] else { break }
                    tensors[output] = tensor
                }
                if tensors.count == node.outputs.filter({ !$0.isEmpty }).count {
                    constants.merge(tensors) { _, new in new }
                    continue
                }
            }
            pending.append(PendingStep(kernel: kernel, inputs: node.inputs + implicitInputs[i],
                                       outputs: node.outputs, name: labels[i]))
        }

        // Assign slots: fed inputs, outer names, then every other referenced value.
        var slotOf: [String: Int] = [:]
        var template: [Value?] = []
        func slot(_ name: String) -> Int {
            if let s = slotOf[name] { return s }
            let s = template.count
            slotOf[name] = s
            template.append(constants[name].map(Value.tensor))
            return s
        }
        let inputSlots = feeds.map { slot($0.name) }
        let outerSlots = outerNames.map { slot($0) }
        var steps: [(inputs: [Int], outputs: [Int], kernel: any Kernel, name: String)] = []
        for step in pending {
            let inputs = step.inputs.map { $0.isEmpty ? -1 : slot($0) }
            let outputs = step.outputs.map { $0.isEmpty ? -1 : slot($0) }
            steps.append((inputs, outputs, step.kernel, step.name))
        }
        var outputSlots: [Int] = []
        for output in graph.outputs {
            guard constants[output.name] != nil || runtimeNames.contains(output.name) || producer[output.name] != nil else {
                throw .invalidGraph("graph output '\(output.name)' is not produced by any node, initializer or graph input")
            }
            outputSlots.append(slot(output.name))
        }

        // Release each slot after its last reader (or right after its producer if never read),
        // except graph outputs.
        let kept = Set(outputSlots)
        var lastUse = [Int](repeating: -1, count: template.count)
        for (s, step) in steps.enumerated() {
            for slot in step.outputs where slot >= 0 { lastUse[slot] = s }
        }
        for (s, step) in steps.enumerated() {
            for slot in step.inputs where slot >= 0 { lastUse[slot] = s }
        }
        var releases = [[Int]](repeating: [], count: steps.count)
        for slot in 0..<template.count where !kept.contains(slot) && lastUse[slot] >= 0 {
            releases[lastUse[slot]].append(slot)
        }
        let compiledSteps = steps.enumerated().map { s, step in
            CompiledGraph.Step(kernel: step.kernel, inputSlots: step.inputs, outputSlots: step.outputs,
                               releaseAfter: releases[s], nodeName: step.name)
        }
        return CompiledGraph(template: template, inputSlots: inputSlots, feedNames: feeds.map(\.name),
                             outerSlots: outerSlots, outerNames: outerNames, outputSlots: outputSlots,
                             outputNames: graph.outputs.map(\.name), steps: compiledSteps)
    }

    /// Names a graph reads that it does not define itself (inputs, initializers, node outputs),
    /// including those read by nested subgraphs, in first-use order.
    static func freeVariables(of graph: Graph) -> [String] {
        var defined = Set(graph.initializers.keys)
        for input in graph.inputs { defined.insert(input.name) }
        for node in graph.nodes { for output in node.outputs { defined.insert(output) } }
        var free: [String] = []
        var seen = Set<String>()
        for node in graph.nodes {
            var reads = node.inputs.filter { !$0.isEmpty }
            for case .graph(let body) in node.attributes.values { reads += freeVariables(of: body) }
            for name in reads where !defined.contains(name) && seen.insert(name).inserted {
                free.append(name)
            }
        }
        return free
    }

    /// Kahn's algorithm in file order; on a cycle, names the nodes on one cycle.
    private static func topologicalOrder(nodes: [Node], labels: [String], folded: [Bool],
                                         implicitInputs: [[String]], producer: [String: Int]) throws(ModelError) -> [Int] {
        var dependencies = [[Int]](repeating: [], count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() where !folded[i] {
            var seen = Set<Int>()
            for input in node.inputs + implicitInputs[i] where !input.isEmpty {
                if let p = producer[input], !folded[p], seen.insert(p).inserted {
                    dependencies[i].append(p)
                    dependents[p].append(i)
                }
            }
        }
        // Ready nodes are taken lowest file position first, so sorted files keep their order.
        var remaining = dependencies.map(\.count)
        var ready = MinHeap()
        for i in 0..<nodes.count where !folded[i] && remaining[i] == 0 { ready.push(i) }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let i = ready.pop() {
            order.append(i)
            for d in dependents[i] {
                remaining[d] -= 1
                if remaining[d] == 0 { ready.push(d) }
            }
        }
        let live = folded.filter { !$0 }.count
        guard order.count < live else { return order }

        // Every unsorted node has an unsorted dependency: walk them until one repeats.
        let sorted = Set(order)
        var current = (0..<nodes.count).first { !folded[$0] && !sorted.contains($0) }!
        var path: [Int] = []
        var position: [Int: Int] = [:]
        while position[current] == nil {
            position[current] = path.count
            path.append(current)
            current = dependencies[current].first { !sorted.contains($0) }!
        }
        let cycle = path[position[current]!...].reversed().map { "'\(labels[$0])' (\(nodes[$0].opType))" }
        throw .invalidGraph("cycle among nodes \(cycle.joined(separator: " -> "))")
    }
}

/// A binary min-heap of node positions.
private struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
