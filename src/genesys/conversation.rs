//! Who is on the conversation: the agent to cobrowse with, and whether anyone still is.
//!
//! `GET /api/v2/conversations/{id}` lists participants with a `purpose` (`agent`,
//! `customer`, `acd`, ...) and per-media lists (`calls`, `messages`, ...). The published
//! models keep the connection `state` on each media entry; some answers also carry it on the
//! participant. Both are read: a participant is connected when either says `connected`, and
//! gone when it has an `endTime` or everything about it is `disconnected`/`terminated`.
//!
//! The agent rule, for conversations with transfers: of the agent participants that are
//! connected, the one connected most recently (latest `connectedTime`); with equal or missing
//! times, the one listed last, since Genesys lists participants in the order they joined.

use serde::Deserialize;

use crate::domain::AgentId;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Conversation {
    end_time: Option<String>,
    participants: Vec<Participant>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Participant {
    purpose: Option<String>,
    user_id: Option<String>,
    state: Option<String>,
    connected_time: Option<String>,
    end_time: Option<String>,
    calls: Vec<Media>,
    callbacks: Vec<Media>,
    chats: Vec<Media>,
    emails: Vec<Media>,
    messages: Vec<Media>,
    social_expressions: Vec<Media>,
    videos: Vec<Media>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Media {
    state: Option<String>,
    connected_time: Option<String>,
}

/// What the conversation says about the agent.
#[derive(Debug, PartialEq, Eq)]
pub enum AgentPresence {
    /// A connected agent, with the media it is connected on (`call`, `message`, ...).
    Connected {
        agent_id: AgentId,
        media_type: String,
    },
    /// The conversation is live but has no such connected agent.
    NotConnected,
    /// Every participant has left: nothing to cobrowse.
    Ended,
}

fn is_gone(state: &str) -> bool {
    matches!(state, "disconnected" | "terminated")
}

impl Participant {
    fn media(&self) -> impl Iterator<Item = (&'static str, &Media)> {
        let lists: [(&'static str, &Vec<Media>); 7] = [
            ("call", &self.calls),
            ("callback", &self.callbacks),
            ("chat", &self.chats),
            ("email", &self.emails),
            ("message", &self.messages),
            ("socialExpression", &self.social_expressions),
            ("video", &self.videos),
        ];
        lists
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |m| (kind, m)))
    }

    /// The media the participant is connected on, and since when; `None` if not connected.
    fn connection(&self) -> Option<(&'static str, Option<&str>)> {
        if self.end_time.is_some() {
            return None;
        }
        let on_media = self
            .media()
            .find(|(_, m)| m.state.as_deref() == Some("connected"))
            .map(|(kind, m)| (kind, m.connected_time.as_deref()));
        match on_media {
            Some((kind, since)) => Some((kind, since.or(self.connected_time.as_deref()))),
            None if self.state.as_deref() == Some("connected") => {
                let kind = self.media().next().map(|(kind, _)| kind).unwrap_or("");
                Some((kind, self.connected_time.as_deref()))
            }
            None => None,
        }
    }

    fn is_gone(&self) -> bool {
        if self.end_time.is_some() || self.state.as_deref().is_some_and(is_gone) {
            return true;
        }
        let mut states = self
            .media()
            .filter_map(|(_, m)| m.state.as_deref())
            .peekable();
        states.peek().is_some() && states.all(is_gone)
    }
}

impl Conversation {
    /// The agent to cobrowse with when the flow did not say: see the module docs for the rule.
    pub fn connected_agent(&self) -> AgentPresence {
        self.find_agent(|_| true)
    }

    /// Whether `agent` is connected to the conversation as an agent.
    pub fn agent_presence(&self, agent: AgentId) -> AgentPresence {
        self.find_agent(|id| id == agent)
    }

    fn find_agent(&self, wanted: impl Fn(AgentId) -> bool) -> AgentPresence {
        if self.end_time.is_some()
            || (!self.participants.is_empty() && self.participants.iter().all(|p| p.is_gone()))
        {
            return AgentPresence::Ended;
        }
        let mut best: Option<(AgentId, &'static str, Option<&str>)> = None;
        for participant in &self.participants {
            if participant.purpose.as_deref() != Some("agent") {
                continue;
            }
            let Some(agent_id) = participant
                .user_id
                .as_deref()
                .and_then(|id| AgentId::parse(id).ok())
                .filter(|id| wanted(*id))
            else {
                continue;
            };
            let Some((media_type, since)) = participant.connection() else {
                continue;
            };
            // ISO-8601 UTC times from Genesys compare correctly as strings; a later or equal
            // time, or a missing one, lets the later participant win.
            let later = match (&best, since) {
                (Some((_, _, Some(best_since))), Some(since)) => since >= *best_since,
                (Some((_, _, Some(_))), None) => false,
                _ => true,
            };
            if later {
                best = Some((agent_id, media_type, since));
            }
        }
        match best {
            Some((agent_id, media_type, _)) => AgentPresence::Connected {
                agent_id,
                media_type: media_type.to_owned(),
            },
            None => AgentPresence::NotConnected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const FIRST: &str = "11111111-1111-4111-8111-111111111111";
    const SECOND: &str = "22222222-2222-4222-8222-222222222222";

    fn conversation(value: Value) -> Conversation {
        serde_json::from_value(value).unwrap()
    }

    fn agent(id: &str) -> AgentId {
        AgentId::parse(id).unwrap()
    }

    #[test]
    fn after_a_transfer_the_connected_agent_is_chosen() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "disconnected", "connectedTime": "2026-11-24T10:00:00.000Z"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00.000Z"}]}
        ]}));
        assert_eq!(
            c.connected_agent(),
            AgentPresence::Connected {
                agent_id: agent(SECOND),
                media_type: "call".into()
            }
        );
    }

    #[test]
    fn of_two_connected_agents_the_most_recent_wins_whatever_the_order() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": SECOND, "messages": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00.000Z"}]},
            {"purpose": "agent", "userId": FIRST, "messages": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00.000Z"}]}
        ]}));
        assert_eq!(
            c.connected_agent(),
            AgentPresence::Connected {
                agent_id: agent(SECOND),
                media_type: "message".into()
            }
        );
    }

    #[test]
    fn a_participant_level_state_is_understood_too() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "state": "connected", "chats": [{}]}
        ]}));
        assert_eq!(
            c.connected_agent(),
            AgentPresence::Connected {
                agent_id: agent(FIRST),
                media_type: "chat".into()
            }
        );
    }

    #[test]
    fn a_queued_conversation_has_no_agent() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "connected"}]},
            {"purpose": "acd", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "alerting"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::NotConnected);
    }

    #[test]
    fn a_conversation_everyone_left_has_ended() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "terminated"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "disconnected"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::Ended);
        let ended = conversation(json!({"endTime": "2026-11-24T10:00:00Z", "participants": []}));
        assert_eq!(ended.connected_agent(), AgentPresence::Ended);
    }

    #[test]
    fn verifying_an_agent_looks_for_that_agent_only() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "endTime": "2026-11-24T10:01:00Z", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(c.agent_presence(agent(FIRST)), AgentPresence::NotConnected);
        assert!(matches!(
            c.agent_presence(agent(SECOND)),
            AgentPresence::Connected { .. }
        ));
    }
}
