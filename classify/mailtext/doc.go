// Package mailtext is the first stage of detection: mail -> text. It reads an RFC 5322 message (Parse) or a
// partial IMAP fetch (Assemble) into a Message: decoded header fields, the readable text of the body (MIME
// walked, transfer encodings and charsets undone, HTML turned into text with its quote blocks as "> " lines)
// and the attachments' names. Segments then labels each line of that text as the writer's new words, quoted
// earlier mail or a signature. Nothing here fails: what cannot be read is listed in Message.Errors.
package mailtext
