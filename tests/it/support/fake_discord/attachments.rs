//! Reading back the files behind a message's attachments.

use serde_json::Value;

use super::FakeDiscord;
use super::payloads::id_text;
use super::record::RecordedFile;

impl FakeDiscord {
    /// The file uploaded as `attachment` (an attachment object of a stored message): found in
    /// the request whose answer first listed the attachment's id.
    pub fn attachment_file(&self, attachment: &Value) -> Option<RecordedFile> {
        let id = id_text(&attachment["id"]);
        self.requests().into_iter().find_map(|request| {
            let listed =
                request.response.as_ref()?["attachments"].as_array()?.iter().any(|a| id_text(&a["id"]) == id);
            if !listed {
                return None;
            }
            request.files.into_iter().find(|f| Some(f.filename.as_str()) == attachment["filename"].as_str())
        })
    }
}

impl FakeDiscord {
    /// Changes a stored message as Discord never would, to stage a message written by an older
    /// bridge (e.g. a card whose embeds point at signed URLs, with no attachments).
    pub fn rewrite_message(&self, message_id: u64, rewrite: impl FnOnce(&mut Value)) {
        let mut state = self.shared.state.lock().expect("state");
        let message = state.messages.get_mut(&message_id).expect("the message exists");
        rewrite(&mut message.value);
    }
}
