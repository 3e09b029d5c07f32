"""TM Forum Trouble Ticket API (TMF621 v4.0.0) over incidents.

Served at `/tmf-api/troubleTicketManagement/v4/troubleTicket` and at the specification's own
base path `/tmf-api/troubleTicket/v4/troubleTicket` (the swagger file's `basePath`). List
(`fields`, `offset`, `limit`, `X-Total-Count`, `X-Result-Count`; filters `status`, `severity`,
`priority`, and `lastUpdate`/`creationDate` with `.gt/.gte/.lt/.lte`; `sort`, e.g.
`-lastUpdate`; newest first by default), retrieve, create (POST) and merge-patch (PATCH). Errors are the spec's `Error`
object. The mapping (see `mapping.py` for the tables):

- `id` is the incident number; `name` ↔ title (a missing name becomes the description's first
  line); `description` ↔ description; `ticketType` ↔ category ("incident" when empty).
- `severity` ↔ impact: Critical 1, Major 2, Minor 3 (High, Medium, Low accepted on input).
  As in the portal, a requester's ticket takes only name, description, service and the
  urgency; severity and the other fields are set by staff.
- `priority` is ours, derived by the ITIL matrix (P1 Critical, P2 High, P3 Medium, P4 Low,
  P5 Planning); a priority sent by the client is read as the urgency (Critical/High 1,
  Medium 2, Low/Planning 3).
- `status` ↔ state: new → acknowledged, in progress → inProgress, on hold awaiting the caller
  → pending, other holds → held, resolved, closed, cancelled. A PATCH of `status` takes the
  life-cycle transitions with the incident's guards and permissions; `statusChangeReason`
  gives the reason a transition needs (hold, resolve, cancel, reject).
- `relatedParty`: role customer (also caller, originator, reporter) ↔ caller (id = user
  name), assignee ↔ assignee, assignmentGroup ↔ support group.
- `relatedEntity`: @referredType Service ↔ service (id = service id or name),
  ConfigurationItem ↔ CIs.
- `note` ↔ public comments (append-only: a PATCH adds notes without a known id, never deletes);
  `attachment` ↔ attachments (by value, base64 `content`), `statusChange` ← the audit history.
- `troubleTicketRelationship` isChild ↔ parent incident (staff only: a requester gets 403).
- Text with a NUL character is refused with 400 naming the attribute; an attachment name
  storage cannot use ("..", "#") is stored as "attachment".
- `externalId`, `requestedResolutionDate` and server-populated fields are not stored.

GET, POST and PATCH answer an `ETag`; a PATCH with `If-Match` is refused with 412 when stale.
TMF clients do not send it, so a PATCH without one applies to the current version (merge-patch
changes only the attributes it names, under a row lock).
"""
