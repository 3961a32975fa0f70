package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/boundaryd/boundaryd/daemon"
	"github.com/boundaryd/boundaryd/internal/locale"
	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/providers"
)

// asker is one interactive setup.
type asker struct {
	ctx context.Context
	e   *env
	o   initOptions
	p   *prompter
	s   *setup
}

// t picks the words of the chosen language.
func (a *asker) t(en, fr string) string { return locale.Pick(a.s.Lang, en, fr) }

func setupInteractive(ctx context.Context, e *env, o initOptions) (*setup, error) {
	a := &asker{ctx: ctx, e: e, o: o, p: newPrompter(ctx, e.stdin, e.stdout),
		s: &setup{ConfigPath: o.configPath, Now: e.clock.Now()}}
	steps := []func() error{
		a.language, a.intro, a.overwrite, a.address, a.servers, a.password, a.loginTest,
		a.windows, a.alerts, a.neverHeld, a.acknowledgement, a.confirm,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return a.s, nil
}

func (a *asker) language() error {
	if a.o.lang != "" {
		a.s.Lang = locale.Of(a.o.lang)
		a.p.l = a.s.Lang
		return nil
	}
	a.p.say("Language / Langue ?\n  1) English\n  2) Français")
	s, err := a.p.askValid("Number / Numéro", "1", func(s string) error {
		if s != "1" && s != "2" {
			return fmt.Errorf("1 or/ou 2")
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.s.Lang = locale.English
	if s == "2" {
		a.s.Lang = locale.French
	}
	a.p.l = a.s.Lang
	return nil
}

func (a *asker) intro() error {
	a.p.say("\n%s", a.t(
		"boundaryd keeps your patients' mail for the times you choose to read it, and alerts you at once\n"+
			"when a message looks like an emergency. A few questions, and it is set up.\n"+
			"Nothing is written until the end; press Ctrl-C at any time to stop.",
		"boundaryd garde le courrier de vos patients jusqu'aux moments où vous choisissez de le lire, et vous\n"+
			"alerte tout de suite quand un message ressemble à une urgence. Quelques questions, et c'est prêt.\n"+
			"Rien n'est écrit avant la fin ; Ctrl-C à tout moment pour arrêter."))
	return nil
}

func (a *asker) overwrite() error {
	return refuseOverwrite(a.o, func() (bool, error) {
		return a.p.yesNo(a.t(
			fmt.Sprintf("\nA configuration already exists at %s. Replace it at the end?", a.o.configPath),
			fmt.Sprintf("\nUne configuration existe déjà dans %s. La remplacer à la fin ?", a.o.configPath)), false)
	})
}

func (a *asker) address() error {
	a.p.say("")
	s, err := a.p.askValid(a.t("Your professional e-mail address (the one patients write to)", "Votre adresse e-mail professionnelle (celle où vos patients écrivent)"), "",
		func(s string) error { _, err := checkAddress(s, a.s.Lang); return err })
	if err != nil {
		return err
	}
	a.s.Address, _ = checkAddress(s, a.s.Lang)
	a.s.Username = a.s.Address
	name, err := a.p.ask(a.t("Your name as alerts and acknowledgements show it (e.g. Cabinet Agostini; empty: the address alone)",
		"Votre nom tel que les alertes et accusés de réception l'affichent (ex. Cabinet Agostini ; vide : l'adresse seule)"), "")
	a.s.Name = name
	return err
}

func (a *asker) servers() error {
	tab := providers.Builtin()
	if p, ok := tab.ForAddress(a.s.Address); ok {
		a.p.say("\n%s\n%s", a.t("Your mail is with "+p.Name+".", "Votre messagerie est chez "+p.Name+"."), p.Note(a.s.Lang))
		yes, err := a.p.yesNo(a.t("Is that right?", "Est-ce exact ?"), true)
		if err != nil || yes {
			a.s.usePro(p)
			return err
		}
	} else if im, sm, ok := lookupServers(a.ctx, a.o, domainOf(a.s.Address)); ok {
		a.p.say("\n%s\n  IMAP %s\n  SMTP %s", a.t("Your domain announces its mail servers:", "Votre domaine annonce ses serveurs de messagerie :"), im.Addr(), sm.Addr())
		yes, err := a.p.yesNo(a.t("Use them?", "Les utiliser ?"), true)
		if err != nil {
			return err
		}
		if yes {
			a.s.IMAP, a.s.SMTP = im, sm
			return nil
		}
	} else {
		a.p.say("\n%s", a.t("I do not recognise the provider of "+domainOf(a.s.Address)+" from the address alone.",
			"Je ne reconnais pas le fournisseur de "+domainOf(a.s.Address)+" à la seule adresse."))
	}
	list := tab.All()
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	names = append(names, a.t("another one: I will type the server names (your provider's help pages give them)",
		"un autre : je tape le nom des serveurs (les pages d'aide de votre fournisseur les donnent)"))
	i, err := a.p.choose(a.t("Where is your mail? (a custom domain with Microsoft 365 or Google is under Microsoft or Gmail)",
		"Où est votre messagerie ? (un domaine à vous chez Microsoft 365 ou Google : choisissez Microsoft ou Gmail)"), names, len(names)-1)
	if err != nil {
		return err
	}
	if i < len(list) {
		a.p.say("%s", list[i].Note(a.s.Lang))
		a.s.usePro(list[i])
		return nil
	}
	return a.typeServers()
}

// typeServers asks for the servers one by one, with the usual defaults.
func (a *asker) typeServers() error {
	l := a.s.Lang
	domain := domainOf(a.s.Address)
	ask := func(what, hostDef string, portDef int) (providers.Endpoint, error) {
		host, err := a.p.askValid(a.t(what+" server name", "Nom du serveur "+what), hostDef, func(s string) error { return checkHost(s, l) })
		if err != nil {
			return providers.Endpoint{}, err
		}
		ps, err := a.p.askValid(a.t("Port", "Port"), strconv.Itoa(portDef), func(s string) error { _, err := checkPort(s, l); return err })
		if err != nil {
			return providers.Endpoint{}, err
		}
		port, _ := checkPort(ps, l)
		def := defaultSecurity(port)
		ss, err := a.p.askValid(a.t("Security: tls, starttls, or insecure (only for a server on this machine)",
			"Sécurité : tls, starttls, ou insecure (seulement pour un serveur sur cette machine)"), string(def),
			func(s string) error { _, err := checkSecurity(s, host, l); return err })
		if err != nil {
			return providers.Endpoint{}, err
		}
		sec, _ := checkSecurity(ss, host, l)
		return providers.Endpoint{Host: host, Port: port, Security: sec}, nil
	}
	var err error
	if a.s.IMAP, err = ask("IMAP", "imap."+domain, 993); err != nil {
		return err
	}
	smtpDef := "smtp." + domain
	if rest, ok := strings.CutPrefix(a.s.IMAP.Host, "imap."); ok {
		smtpDef = "smtp." + rest
	} else if netpolicy.IsLoopback(a.s.IMAP.Host) {
		smtpDef = a.s.IMAP.Host
	}
	if a.s.SMTP, err = ask("SMTP", smtpDef, 587); err != nil {
		return err
	}
	a.s.Username, err = a.p.ask(a.t("User name", "Identifiant"), a.s.Address)
	return err
}

func (a *asker) password() error {
	switch {
	case a.s.OAuth:
		a.p.say("\n%s", a.t(
			"This provider signs in with your account, not a password: after this setup, run \"boundaryd login\" once.\n"+
				"Alerts will go through ntfy (your provider refuses password logins for sending).",
			"Ce fournisseur se connecte par votre compte, pas un mot de passe : après cette configuration, lancez une fois « boundaryd login ».\n"+
				"Les alertes passeront par ntfy (votre fournisseur refuse l'envoi avec mot de passe)."))
		return a.clientID()
	case a.s.Provider.Login == providers.AppPasswordOrOAuth2:
		a.p.say("")
		pw, err := a.p.secret(a.t("App password (nothing shows as you type; empty: sign in with Google later through boundaryd login)",
			"Mot de passe d'application (rien ne s'affiche pendant la frappe ; vide : connexion Google plus tard par boundaryd login)"))
		if err != nil {
			return err
		}
		a.s.Password = strings.TrimSpace(pw)
		a.s.OAuth = a.s.Password == ""
		if a.s.OAuth {
			return a.clientID()
		}
		return nil
	}
	a.p.say("")
	for {
		pw, err := a.p.secret(a.t("Password for "+a.s.Username+" (nothing shows as you type)",
			"Mot de passe de "+a.s.Username+" (rien ne s'affiche pendant la frappe)"))
		if err != nil {
			return err
		}
		if pw != "" {
			a.s.Password = pw
			return nil
		}
		a.p.say("  %s", a.t("The password cannot be empty.", "Le mot de passe ne peut pas être vide."))
	}
}

// loginTest logs in as check --connect does, and on failure offers to
// type the password again.
func (a *asker) loginTest() error {
	if a.o.noConnect || a.s.OAuth {
		return nil
	}
	a.s.pinSelfSigned(a.ctx)
	for {
		a.p.say("\n%s", a.t("Testing the login…", "Test de la connexion…"))
		cfg, err := a.s.draft(a.o.configPath)
		if err != nil {
			return err
		}
		if checkConnect(a.ctx, a.e, cfg) == exitOK {
			a.p.say("%s", a.t("The login works.", "La connexion fonctionne."))
			return nil
		}
		if a.ctx.Err() != nil {
			return errAborted
		}
		a.p.say("%s", a.t("The login did not work (the reason is above).", "La connexion n'a pas marché (la raison est ci-dessus)."))
		again, err := a.p.yesNo(a.t("Type the password again?", "Retaper le mot de passe ?"), true)
		if err != nil {
			return err
		}
		if !again {
			keep, err := a.p.yesNo(a.t("Keep these settings anyway (you can fix them later)?", "Garder ces réglages quand même (à corriger plus tard) ?"), false)
			if err != nil {
				return err
			}
			if keep {
				return nil
			}
			return errAborted
		}
		if err := a.password(); err != nil {
			return err
		}
		if a.s.OAuth { // Gmail: no app password after all, Google sign-in later
			return nil
		}
	}
}

func (a *asker) windows() error {
	l := a.s.Lang
	a.p.say("")
	tz, err := a.p.askValid(a.t("Your time zone", "Votre fuseau horaire"), detectTimezone(a.e, l), func(s string) error { return checkTimezone(s, l) })
	if err != nil {
		return err
	}
	a.s.Timezone = tz
	def := a.t("Tuesday 18:00, Saturday 10:00", "mardi 18h00, samedi 10h00")
	for {
		s, err := a.p.askValid(a.t("When do you read your patients' mail? Days and times, separated by commas",
			"Quand lisez-vous le courrier de vos patients ? Jours et heures, séparés par des virgules"), def,
			func(s string) error { _, err := parseReadingTimes(s, l); return err })
		if err != nil {
			return err
		}
		a.s.Windows, _ = parseReadingTimes(s, l)
		ok, err := a.p.yesNo(a.t("That is: "+sayReadingTimes(a.s.Windows, l)+". Right?", "C'est-à-dire : "+sayReadingTimes(a.s.Windows, l)+". Exact ?"), true)
		if err != nil || ok {
			return err
		}
	}
}

func (a *asker) alerts() error {
	l := a.s.Lang
	for {
		a.p.say("\n%s", a.t("Where should emergency alerts reach you? At least one of these two.",
			"Où les alertes d'urgence doivent-elles vous joindre ? Au moins l'un des deux."))
		a.s.AlertMail, a.s.AlertNtfy = "", ""
		var err error
		if a.s.hasSMTP() {
			a.s.AlertMail, err = a.p.askValid(a.t(
				"An address for alert mails: your operator's SMS gateway (e.g. +33600000000@sms.example.net) or a mailbox on your phone; empty for none",
				"Une adresse pour les alertes par mail : la passerelle SMS de votre opérateur (ex. +33600000000@sms.exemple.fr) ou une boîte sur votre téléphone ; vide pour aucune"),
				"", func(s string) error { return checkAlertMail(s, l) })
			if err != nil {
				return err
			}
		}
		a.s.AlertNtfy, err = a.p.askValid(a.t("An ntfy topic for your phone's ntfy app (e.g. https://ntfy.sh/a-long-secret-name); empty for none",
			"Un sujet ntfy pour l'application ntfy de votre téléphone (ex. https://ntfy.sh/un-long-nom-secret) ; vide pour aucun"),
			"", func(s string) error { return checkNtfy(s, l) })
		if err != nil {
			return err
		}
		if a.s.AlertMail == "" && a.s.AlertNtfy == "" {
			a.p.say("  %s", a.t("Give at least one: emergencies must reach you.", "Donnez-en au moins un : les urgences doivent vous parvenir."))
			continue
		}
		send, err := a.p.yesNo(a.t("Send a test alert there now?", "Envoyer une alerte de test maintenant ?"), true)
		if err != nil {
			return err
		}
		if !send {
			return nil
		}
		cfg, err := a.s.draft(a.o.configPath)
		if err != nil {
			return err
		}
		results, err := sendTestAlert(a.ctx, a.e, cfg, daemon.Options{Clock: a.e.clock}, 30*time.Second)
		if err != nil {
			return err
		}
		if a.ctx.Err() != nil {
			return errAborted
		}
		if printTestAlert(a.e, results) {
			arrived, err := a.p.yesNo(a.t("Did it arrive on your phone?", "Est-elle arrivée sur votre téléphone ?"), true)
			if err != nil || arrived {
				return err
			}
			a.p.say("%s", a.t("Then let us change where alerts go (check the address, the gateway, the topic name in the app).",
				"Alors changeons la destination des alertes (vérifiez l'adresse, la passerelle, le nom du sujet dans l'application)."))
			continue
		}
		keep, err := a.p.yesNo(a.t("A channel refused the test (above). Keep these destinations anyway?",
			"Une destination a refusé le test (ci-dessus). Les garder quand même ?"), false)
		if err != nil || keep {
			return err
		}
	}
}

func (a *asker) neverHeld() error {
	l := a.s.Lang
	a.p.say("")
	s, err := a.p.askValid(a.t("Whose mail is never held? Your partner, colleagues, a hospital (*@hospital.example); separated by commas, empty for nobody",
		"Le courrier de qui n'est jamais retenu ? Conjoint, collègues, un hôpital (*@hopital.fr) ; séparés par des virgules, vide pour personne"),
		"", func(s string) error { return checkSenders(splitList(s), l) })
	a.s.NeverHeld = splitList(s)
	return err
}

func (a *asker) acknowledgement() error {
	if !a.s.hasSMTP() {
		return nil
	}
	a.p.say("\n%s\n", a.t("boundaryd can answer a patient whose mail is held, at most once in 3 days. The answer would read:",
		"boundaryd peut répondre à un patient dont le courrier est retenu, au plus une fois par 3 jours. La réponse serait :"))
	for _, line := range strings.Split(a.s.previewAck(a.e.clock.Now()), "\n") {
		a.p.say("    %s", line)
	}
	a.p.say("")
	var err error
	a.s.Ack, err = a.p.yesNo(a.t("Send this acknowledgement?", "Envoyer cet accusé de réception ?"), false)
	return err
}

func (a *asker) confirm() error {
	s := a.s
	yes := func(b bool) string {
		return a.t(map[bool]string{true: "yes", false: "no"}[b], map[bool]string{true: "oui", false: "non"}[b])
	}
	none := a.t("nobody", "personne")
	never := strings.Join(s.NeverHeld, ", ")
	if never == "" {
		never = none
	}
	alerts := strings.TrimSpace(strings.Join([]string{s.AlertMail, s.AlertNtfy}, " "))
	a.p.say("\n%s", a.t("Summary:", "Résumé :"))
	a.p.say("  %-22s %s (%s)", a.t("mailbox", "boîte"), s.Username, s.IMAP.Addr()+", "+securityWords(s.IMAP.Security, s.Lang))
	a.p.say("  %-22s %s", a.t("reading times", "heures de lecture"), sayReadingTimes(s.Windows, s.Lang)+" ("+s.Timezone+")")
	a.p.say("  %-22s %s", a.t("alerts", "alertes"), alerts)
	a.p.say("  %-22s %s", a.t("never held", "jamais retenus"), never)
	a.p.say("  %-22s %s", a.t("acknowledgement", "accusé de réception"), yes(s.Ack))
	ok, err := a.p.yesNo(a.t("Write this configuration to "+a.o.configPath+"?", "Écrire cette configuration dans "+a.o.configPath+" ?"), true)
	if err != nil {
		return err
	}
	if !ok {
		return errAborted
	}
	return nil
}

// clientID asks for the OAuth2 client the therapist registered (the README
// says how, step by step).
func (a *asker) clientID() error {
	for {
		id, err := a.p.ask(a.t("Client ID you registered with your provider (README: \"Signing in with Google or Microsoft\")",
			"Identifiant client enregistré chez votre fournisseur (README : « Signing in with Google or Microsoft »)"), "")
		if err != nil {
			return err
		}
		if id = strings.TrimSpace(id); id != "" {
			a.s.OAuthClientID = id
			return nil
		}
		a.p.say("%s", a.t("A client ID is needed to sign in.", "Un identifiant client est nécessaire pour se connecter."))
	}
}
