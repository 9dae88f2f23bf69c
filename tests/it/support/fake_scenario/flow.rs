//! Flow templates for fake workflows: which nodes, of which type, depending on which.

use serde_json::{Value, json};

/// One node of a fake workflow's flow.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Node id, unique within the flow.
    pub id: String,
    /// Wire type: `custom-model`, `user-approval`, `for-each`, or anything (`hologram`).
    pub node_type: String,
    /// Ids of the nodes it waits for.
    pub depends_on: Vec<String>,
    /// Inputs as JSON (`{"name","type","prompt","value",...}`).
    pub inputs: Vec<Value>,
    /// Assets a producer makes when it succeeds.
    pub assets: usize,
    /// ForEach: number of iterations.
    pub count: Option<u32>,
    /// ForEach: ids of its body template nodes.
    pub loop_body: Vec<String>,
    /// A status to start with instead of `pending` (e.g. an unknown `dreaming`): such a node
    /// never moves.
    pub initial_status: Option<String>,
    /// The model a producer runs.
    pub model_id: Option<String>,
    /// A selection gate's own candidates (text); without them it offers its inputs' assets.
    pub items: Vec<String>,
}

impl NodeSpec {
    fn new(id: &str, node_type: &str) -> Self {
        Self {
            id: id.to_owned(),
            node_type: node_type.to_owned(),
            depends_on: Vec::new(),
            inputs: Vec::new(),
            assets: 0,
            count: None,
            loop_body: Vec::new(),
            initial_status: None,
            model_id: None,
            items: Vec::new(),
        }
    }

    /// A `custom-model` node making one image.
    pub fn producer(id: &str) -> Self {
        Self { assets: 1, model_id: Some("model_fake".into()), ..Self::new(id, "custom-model") }
    }

    /// A `user-approval` gate.
    pub fn gate(id: &str) -> Self {
        Self::new(id, "user-approval")
    }

    /// A `user-selection` gate: its candidates are frozen when it starts, from the assets of the
    /// nodes it depends on (or its own [`Self::with_items`]).
    pub fn selection(id: &str) -> Self {
        Self::new(id, "user-selection")
    }

    /// A selection gate's own candidates (e.g. generated prompts), instead of assets.
    pub fn with_items(mut self, items: &[&str]) -> Self {
        self.items = items.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Bounds the number of picks of a selection gate, as its array input's `min`/`max`.
    pub fn with_pick_bounds(mut self, min: u32, max: u32) -> Self {
        self.inputs.push(
            json!({ "name": "items", "type": "file_array", "label": "Candidates", "min": min, "max": max }),
        );
        self
    }

    /// A `for-each` node repeating `body` `count` times.
    pub fn for_each(id: &str, count: u32, body: &[&str]) -> Self {
        Self {
            count: Some(count),
            loop_body: body.iter().map(|s| s.to_string()).collect(),
            ..Self::new(id, "for-each")
        }
    }

    /// A node of any wire type (e.g. `hologram`); it behaves like a producer without assets.
    pub fn of_type(id: &str, node_type: &str) -> Self {
        Self::new(id, node_type)
    }

    /// Waits for these nodes.
    pub fn after(mut self, deps: &[&str]) -> Self {
        self.depends_on = deps.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Adds a prompt input with this text.
    pub fn with_prompt(mut self, text: &str) -> Self {
        self.inputs.push(json!({
            "name": "prompt", "type": "string", "prompt": true, "label": "Prompt", "value": text
        }));
        self
    }

    /// Makes this many assets on success.
    pub fn with_assets(mut self, n: usize) -> Self {
        self.assets = n;
        self
    }

    /// Starts in this status (an unknown one never moves).
    pub fn with_status(mut self, status: &str) -> Self {
        self.initial_status = Some(status.to_owned());
        self
    }
}

/// A fake workflow's flow.
#[derive(Clone, Debug, Default)]
pub struct FlowTemplate {
    /// Its nodes, in flow order.
    pub nodes: Vec<NodeSpec>,
}

impl FlowTemplate {
    /// An empty flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node.
    pub fn node(mut self, node: NodeSpec) -> Self {
        self.nodes.push(node);
        self
    }

    /// `gen` (prompt "a lighthouse at dusk") → gate `review` → `upscale`.
    pub fn single_gate() -> Self {
        Self::new()
            .node(NodeSpec::producer("gen").with_prompt("a lighthouse at dusk"))
            .node(NodeSpec::gate("review").after(&["gen"]))
            .node(NodeSpec::producer("upscale").after(&["review"]))
    }

    /// `sketch` and `color` → gate `review` (after both) → `publish`; and `extra` → gate `second`.
    pub fn two_producers_two_gates() -> Self {
        Self::new()
            .node(NodeSpec::producer("sketch").with_prompt("a fox, sketch"))
            .node(NodeSpec::producer("color").with_prompt("a fox, colour").with_assets(2))
            .node(NodeSpec::gate("review").after(&["sketch", "color"]))
            .node(NodeSpec::producer("publish").after(&["review"]))
            .node(NodeSpec::producer("extra").with_prompt("a badger"))
            .node(NodeSpec::gate("second").after(&["extra"]))
    }

    /// `gen` (prompt "a lighthouse, variants") making `n` images → selection gate `pick` taking
    /// `min` to `max` of them → `upscale`.
    pub fn image_selection(n: usize, min: u32, max: u32) -> Self {
        Self::new()
            .node(NodeSpec::producer("gen").with_prompt("a lighthouse, variants").with_assets(n))
            .node(NodeSpec::selection("pick").after(&["gen"]).with_pick_bounds(min, max))
            .node(NodeSpec::producer("upscale").after(&["pick"]))
    }

    /// `ideas` (no assets) → selection gate `pick` among the texts `items` (one pick) → `render`.
    pub fn text_selection(items: &[&str]) -> Self {
        Self::new()
            .node(NodeSpec::of_type("ideas", "generate-prompt"))
            .node(NodeSpec::selection("pick").after(&["ideas"]).with_items(items).with_pick_bounds(1, 1))
            .node(NodeSpec::producer("render").after(&["pick"]))
    }

    /// `loop` (ForEach ×`count`) over `draw` (`n` images) → selection gate `pick` (one pick).
    pub fn for_each_selection(count: u32, n: usize) -> Self {
        Self::new()
            .node(NodeSpec::for_each("loop", count, &["draw", "pick"]))
            .node(NodeSpec::producer("draw").with_prompt("a tile").with_assets(n))
            .node(NodeSpec::selection("pick").after(&["draw"]).with_pick_bounds(1, 1))
            .node(NodeSpec::producer("collect").after(&["loop"]))
    }

    /// `loop` (ForEach ×`count`) over `draw` → gate `check`, then `collect` after the loop.
    pub fn for_each_gate(count: u32) -> Self {
        Self::new()
            .node(NodeSpec::for_each("loop", count, &["draw", "check"]))
            .node(NodeSpec::producer("draw").with_prompt("a tile"))
            .node(NodeSpec::gate("check").after(&["draw"]))
            .node(NodeSpec::producer("collect").after(&["loop"]))
    }
}
