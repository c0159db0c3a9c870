package explorer

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/veche/veche/voting"
)

// The languages of the pages. English is the default.
const (
	langEN = "en"
	langRU = "ru"
)

var langs = []string{langEN, langRU}

// langNames name each language in itself.
var langNames = map[string]string{langEN: "English", langRU: "Русский"}

// messages is every string of the pages, by key, in English and Russian.
// Strings with verbs are fmt formats; every language has the same verbs.
var messages = map[string][2]string{
	"site":       {"Veche bulletin explorer", "Обозреватель доски «Вече»"},
	"skip":       {"Skip to the content", "Перейти к содержанию"},
	"nav_label":  {"Where you are", "Где вы находитесь"},
	"lang_label": {"Language", "Язык"},
	"footer": {"Everything here is read from the public bulletin board and checked by the universal verifier (docs/spec/verification.md). You need not trust this page: download the record and verify it yourself.",
		"Всё на этой странице прочитано с публичной доски объявлений и проверено универсальным верификатором (docs/spec/verification.md). Этой странице не нужно доверять: скачайте запись и проверьте её сами."},

	// Topics.
	"topics_title": {"Bulletin board", "Доска объявлений"},
	"topics_intro": {"Every election, poll and city service has its own append-only, hash-chained log on the board: a topic.",
		"У каждых выборов, опроса и городской службы на доске свой журнал, который можно только дополнять и который связан цепочкой хешей: тема."},
	"elections_h":      {"Elections", "Выборы"},
	"other_topics_h":   {"Other topics", "Другие темы"},
	"no_elections":     {"No election has been found on the board yet.", "На доске пока не найдено ни одних выборов."},
	"no_other_topics":  {"No other topic.", "Других тем нет."},
	"no_lister":        {"This board cannot list its topics: only the elections the explorer was told of are shown.", "Эта доска не умеет перечислять свои темы: показаны только выборы, о которых обозревателю сообщили."},
	"list_error":       {"Listing the board's topics failed (the list may be out of date): %s", "Не удалось получить список тем доски (он может быть устаревшим): %s"},
	"col_election":     {"Election", "Выборы"},
	"col_id":           {"Id", "Идентификатор"},
	"col_phase":        {"Phase", "Фаза"},
	"col_entries":      {"Entries", "Записей"},
	"col_verification": {"Verification", "Проверка"},
	"col_topic":        {"Topic", "Тема"},
	"col_owner":        {"Owner", "Владелец"},
	"col_kind":         {"Kind", "Вид"},
	"topic_service":    {"service topic", "тема службы"},
	"topic_unreadable": {"election topic without a readable manifest", "тема выборов без читаемого манифеста"},

	// Verdicts and statuses.
	"verdict_verified":   {"verified", "проверено"},
	"verdict_failed":     {"FAILED", "НАРУШЕНИЕ"},
	"verdict_incomplete": {"incomplete", "не завершено"},
	"verdict_running":    {"being verified", "проверяется"},
	"verdict_line_verified": {"Verified: every step holds; the result is the one the board gives.",
		"Проверено: все шаги выполнены; результат — тот, что следует из доски."},
	"verdict_line_failed": {"FAILED at step %d (%s): the record does not hold.", "НАРУШЕНИЕ на шаге %d (%s): запись не сходится."},
	"verdict_line_incomplete": {"Incomplete: nothing has failed so far; some steps wait for the election to go on.",
		"Не завершено: пока нарушений нет; часть шагов ждёт следующих этапов выборов."},
	"status_ok":      {"ok", "в порядке"},
	"status_failed":  {"FAILED", "НАРУШЕНИЕ"},
	"status_pending": {"pending", "ожидается"},
	"status_skipped": {"skipped", "пропущен"},

	// The steps of docs/spec/verification.md.
	"step_1":  {"hash chain", "цепочка хешей"},
	"step_2":  {"manifest", "манифест"},
	"step_3":  {"key ceremony", "церемония ключей"},
	"step_4":  {"credential list", "список удостоверений"},
	"step_5":  {"phases", "фазы"},
	"step_6":  {"ballots and weeding", "бюллетени и отбор"},
	"step_7":  {"tally inputs", "входные данные подсчёта"},
	"step_8":  {"shuffles", "перемешивания"},
	"step_9":  {"decryptions", "расшифровки"},
	"step_10": {"result", "результат"},

	// Phases.
	"phase_setup":        {"setup", "подготовка"},
	"phase_key-ceremony": {"key ceremony", "церемония ключей"},
	"phase_open":         {"voting open", "голосование открыто"},
	"phase_closed":       {"voting closed", "голосование закрыто"},
	"phase_tallying":     {"tallying", "подсчёт"},
	"phase_published":    {"published", "опубликовано"},
	"phase_service":      {"service", "служба"},

	// The election page.
	"el_id":              {"Election id", "Идентификатор выборов"},
	"el_topic":           {"Topic", "Тема"},
	"el_fingerprint":     {"Fingerprint", "Отпечаток"},
	"el_phase":           {"Phase", "Фаза"},
	"toc_label":          {"On this page", "На этой странице"},
	"sec_verification":   {"Verification", "Проверка"},
	"verification_intro": {"The ten steps of the universal verification (docs/spec/verification.md), checked again as new entries arrive.", "Десять шагов универсальной проверки (docs/spec/verification.md), повторяемые при появлении новых записей."},
	"verified_entries":   {"%s entries verified; the last head is %s.", "Проверено записей: %s; последний хеш цепочки — %s."},
	"progress":           {"In progress: step %d (%s): %s of %s %s.", "Выполняется шаг %d (%s): %s из %s (%s)."},
	"board_error":        {"The board could not be read (the page shows the last state): %s", "Не удалось прочитать доску (показано последнее состояние): %s"},
	"not_verified_yet":   {"The first verification has not finished yet.", "Первая проверка ещё не завершена."},
	"step_entry":         {"entry %s", "запись %s"},
	"step_blame":         {"blame: %s", "ответственный: %s"},
	"notes":              {"Notes (%d)", "Примечания (%d)"},
	"live_note": {"The steps update themselves as the board grows (server-sent events); without JavaScript, reload the page.",
		"Шаги обновляются сами по мере роста доски (server-sent events); без JavaScript перезагрузите страницу."},
	"details_english": {"The details are the verifier's own words, in English.", "Пояснения — собственные слова верификатора, на английском."},
	"sec_track":       {"Find your ballot", "Найти свой бюллетень"},
	"track_label":     {"Tracking code", "Код отслеживания"},
	"track_hint": {"The code your device showed when you cast: 52 letters and digits, with or without hyphens.",
		"Код, который показало ваше устройство при голосовании: 52 буквы и цифры, с дефисами или без."},
	"track_button":      {"Find", "Найти"},
	"sec_manifest":      {"Manifest", "Манифест"},
	"m_opens":           {"Opens", "Открытие"},
	"m_closes":          {"Closes", "Закрытие"},
	"m_revote":          {"Revoting", "Повторное голосование"},
	"revote_last":       {"allowed: the last ballot of a credential counts", "разрешено: учитывается последний бюллетень удостоверения"},
	"revote_denied":     {"denied: the first ballot of a credential counts", "запрещено: учитывается первый бюллетень удостоверения"},
	"m_commission":      {"Commission", "Комиссия"},
	"m_ballot_box":      {"Ballot box", "Урна"},
	"m_authority":       {"Credential authority", "Удостоверяющий центр"},
	"m_trustees":        {"Trustees", "Доверенные лица"},
	"m_threshold":       {"any %d of %d can decrypt", "расшифровать могут любые %d из %d"},
	"m_mixers":          {"Mixers", "Перемешивающие"},
	"m_contests":        {"Contests", "Вопросы"},
	"contest_meta":      {"%s, counted %s", "%s, подсчёт: %s"},
	"kind_referendum":   {"yes or no", "да или нет"},
	"kind_one-of":       {"one option", "один вариант"},
	"kind_approval":     {"between %d and %d options", "от %d до %d вариантов"},
	"kind_ranked":       {"a ranking of up to %d options", "ранжирование до %d вариантов"},
	"tally_homomorphic": {"homomorphically (only totals are decrypted)", "гомоморфно (расшифровываются только итоги)"},
	"tally_mixnet":      {"through the mix net (each ballot decrypted after shuffling)", "через смешивающую сеть (каждый бюллетень расшифровывается после перемешивания)"},
	"write_in":          {"write-in allowed", "можно вписать своего кандидата"},
	"write_in_short":    {"write-in", "вписан"},
	"other_write_ins":   {"other write-ins (each named too rarely to be a candidate of its own)", "прочие вписанные (каждый назван слишком редко, чтобы быть отдельным кандидатом)"},
	"blank":             {"blank allowed", "можно не выбирать"},
	"sec_timeline":      {"Phases", "Фазы"},
	"col_entry":         {"Entry", "Запись"},
	"col_posted_by":     {"Posted by", "Кем опубликовано"},
	"col_block":         {"Block", "Блок"},
	"timeline_none":     {"No entry yet.", "Записей пока нет."},
	"sec_ceremony":      {"Trustees and key ceremony", "Доверенные лица и церемония ключей"},
	"cer_ok": {"Closed: the joint key posted at entry %s is the one recomputed from the trustees' messages.",
		"Завершена: общий ключ из записи %s совпадает с вычисленным по сообщениям доверенных лиц."},
	"cer_bad": {"The key-ceremony result posted at entry %s does not match the trustees' messages (see step 3).",
		"Результат церемонии ключей из записи %s не совпадает с сообщениями доверенных лиц (см. шаг 3)."},
	"cer_waiting":      {"Waiting for: %s", "Ожидается: %s"},
	"cer_unknown":      {"The key ceremony has not been read yet.", "Церемония ключей ещё не прочитана."},
	"col_trustee":      {"Trustee", "Доверенное лицо"},
	"col_address":      {"Address", "Адрес"},
	"col_joined":       {"Joined", "Присоединился"},
	"col_dealt":        {"Dealt", "Раздал доли"},
	"col_complaints":   {"Complaints", "Жалобы"},
	"col_disqualified": {"Disqualified", "Дисквалифицирован"},
	"col_ready":        {"Ready", "Готов"},
	"yes":              {"yes", "да"},
	"no":               {"no", "нет"},
	"at_entry":         {"at entry %s", "запись %s"},
	"sec_credentials":  {"Credentials", "Удостоверения"},
	"creds_count":      {"%s credentials on the list: one per eligible voter.", "В списке %s удостоверений: по одному на избирателя."},
	"creds_style":      {"ballot style %s: %s", "вид бюллетеня %s: %s"},
	"creds_none":       {"The credential authority has not posted the credential list yet.", "Удостоверяющий центр ещё не опубликовал список удостоверений."},
	"creds_err":        {"The credential list cannot be read: %s", "Список удостоверений не читается: %s"},
	"sec_ballots":      {"Ballots over time", "Бюллетени во времени"},
	"ballots_totals": {"Ballots cast: %s, in %s batch entries; audited: %s; revotes: %s (ballots from a credential that had already cast one).",
		"Подано бюллетеней: %s в %s пакетах; проверено (аудит): %s; повторных: %s (бюллетени удостоверения, уже голосовавшего)."},
	"buckets_note": {"The board has no clock. Ballots are grouped by the order the ballot box posted them: buckets of %s consecutive entries of the topic.",
		"У доски нет часов. Бюллетени сгруппированы в порядке публикации урной: группы по %s последовательных записей темы."},
	"buckets_blocks":  {"The blocks are where the entries are on the chain.", "Блоки — это место записей в блокчейне."},
	"chart_ballots":   {"Ballots per bucket of entries", "Бюллетени по группам записей"},
	"col_bucket":      {"Entries", "Записи"},
	"col_blocks":      {"Blocks", "Блоки"},
	"col_ballots":     {"Ballots", "Бюллетени"},
	"col_revotes":     {"Revotes", "Повторные"},
	"col_audits":      {"Audits", "Аудиты"},
	"col_flag":        {"Flag", "Отметка"},
	"anomaly_turnout": {"turnout spike: %s ballots, median %s", "всплеск явки: %s бюллетеней при медиане %s"},
	"anomaly_revotes": {"revote spike: %s%% revotes, %s%% elsewhere", "всплеск повторных: %s%% против %s%% в остальных"},
	"anomalies_h":     {"Anomalies", "Аномалии"},
	"no_anomalies":    {"None by the rule below.", "По правилу ниже — нет."},
	"anomaly_rule": {"Rule: a bucket is flagged for turnout if it has at least 3 times the median number of ballots of the buckets with ballots (when at least 4 have some) and at least 20 more; for revotes if at least 5 of its ballots, and a tenth of them or more, are revotes, and at least 3 times the share of all the other buckets. A flag is a reason to look, not a proof of fraud.",
		"Правило: группа отмечается по явке, если в ней не меньше чем втрое больше бюллетеней, чем медиана по группам с бюллетенями (если таких не меньше 4), и хотя бы на 20 больше; по повторным — если повторных не меньше 5 и не меньше десятой части её бюллетеней, и эта доля хотя бы втрое выше, чем во всех остальных группах вместе. Отметка — повод присмотреться, а не доказательство фальсификации."},
	"no_ballots":        {"No ballot yet.", "Бюллетеней пока нет."},
	"malformed_batches": {"%s batch entries of the ballot box do not decode.", "Пакетов урны, которые не декодируются: %s."},
	"sec_recon":         {"Reconciliation", "Сверка"},
	"recon_none":        {"The commission has not posted its reconciliation yet.", "Комиссия ещё не опубликовала сверку."},
	"recon_posted":      {"posted by the commission (entry %s)", "опубликовано комиссией (запись %s)"},
	"recon_recomputed":  {"recomputed by the explorer", "пересчитано обозревателем"},
	"recon_step":        {"Step 6 (the verifier compares the two): %s.", "Шаг 6 (верификатор сравнивает их): %s."},
	"col_item":          {"Item", "Показатель"},
	"r_issued":          {"credentials issued", "выдано удостоверений"},
	"r_received":        {"ballots received", "получено бюллетеней"},
	"r_audited":         {"audited", "аудит"},
	"r_revotes":         {"credentials that revoted", "удостоверений с повторным голосованием"},
	"r_malformed":       {"excluded: malformed", "исключено: повреждены"},
	"r_invalid":         {"excluded: invalid", "исключено: недействительны"},
	"r_spoiled":         {"excluded: spoiled (audited)", "исключено: испорчены (аудит)"},
	"r_clash":           {"excluded: copies", "исключено: копии"},
	"r_superseded":      {"excluded: superseded by a later ballot", "исключено: заменены более поздним"},
	"r_counted":         {"counted", "учтено"},
	"sec_results":       {"Results", "Результаты"},
	"results_none":      {"No result yet.", "Результатов пока нет."},
	"results_source": {"Totals recomputed from the board by the verifier (step 10), beside those the commission posted.",
		"Итоги, пересчитанные верификатором по доске (шаг 10), рядом с опубликованными комиссией."},
	"results_only_posted": {"The verifier has not recomputed the result (see step 10): only the commission's posted totals are shown.",
		"Верификатор не пересчитал результат (см. шаг 10): показаны только итоги, опубликованные комиссией."},
	"results_posted_at": {"The commission posted its result at entry %s.", "Комиссия опубликовала результат в записи %s."},
	"results_post_err":  {"The commission's result at entry %s does not decode: %s", "Результат комиссии в записи %s не декодируется: %s"},
	"col_option":        {"Option", "Вариант"},
	"col_votes":         {"Votes (recomputed)", "Голоса (пересчёт)"},
	"col_posted":        {"Posted", "Опубликовано"},
	"differs":           {"differs", "расходится"},
	"contest_ballots":   {"%s ballots in this contest.", "Бюллетеней по этому вопросу: %s."},
	"blank_n":           {"blank: %s", "пустых: %s"},
	"invalid_n":         {"not valid votes: %s", "недействительных: %s"},
	"writeins_h":        {"Write-ins", "Вписанные кандидаты"},
	"irv_h":             {"Instant-runoff rounds", "Туры мгновенного второго тура"},
	"col_round":         {"Round", "Тур"},
	"col_candidate":     {"Candidate", "Кандидат"},
	"exhausted":         {"exhausted ballots", "исчерпанные бюллетени"},
	"eliminated":        {"eliminated", "выбывает"},
	"winner":            {"Winner: %s", "Победитель: %s"},
	"schulze_h":         {"Schulze ranking", "Ранжирование по Шульце"},
	"schulze_winners":   {"Winners: %s", "Победители: %s"},
	"chart_results":     {"Votes per option", "Голоса по вариантам"},
	"sec_evidence":      {"Evidence", "Доказательства"},
	"ev_entries":        {"All %s entries of the topic, with their hash chain", "Все записи темы (%s) с цепочкой хешей"},
	"ev_shuffles":       {"The shuffles and their checks (%d)", "Перемешивания и их проверка (%d)"},
	"ev_decryptions":    {"The decryption shares and their checks (%d)", "Доли расшифровки и их проверка (%d)"},
	"sec_download":      {"Check it yourself", "Проверьте сами"},
	"dl_record":         {"Download the election record (%s entries, JSON lines)", "Скачать запись выборов (%s записей, JSON lines)"},
	"dl_report":         {"The verification report (JSON)", "Отчёт о проверке (JSON)"},
	"dl_cmd_record":     {"Verify the downloaded record:", "Проверить скачанную запись:"},
	"dl_cmd_chain":      {"Or verify from the chain itself, through any node:", "Или проверить по самому блокчейну через любой узел:"},
	"dl_cmd_node":       {"NODE_URL is the JSON-RPC address of any node of the chain (chain id %s).", "NODE_URL — адрес JSON-RPC любого узла этого блокчейна (chain id %s)."},
	"dl_note":           {"veche verify is built from the Veche repository: go build ./cmd/veche", "veche verify собирается из репозитория Veche: go build ./cmd/veche"},

	// The entries pages.
	"entries_title": {"Entries of %s", "Записи: %s"},
	"entries_range": {"Entries %s to %s of %s.", "Записи с %s по %s из %s."},
	"entries_none":  {"The topic has no entries.", "В теме нет записей."},
	"chain_intro": {"Each head is keccak256(previous head ‖ topic ‖ seq ‖ kind ‖ keccak256(payload)) (docs/spec/bulletin.md, section 4); the explorer recomputes it for every row shown.",
		"Каждый хеш — keccak256(предыдущий ‖ тема ‖ номер ‖ вид ‖ keccak256(данные)) (docs/spec/bulletin.md, раздел 4); обозреватель пересчитывает его для каждой строки."},
	"col_seq":     {"Seq", "№"},
	"col_poster":  {"Poster", "Автор"},
	"col_size":    {"Bytes", "Байт"},
	"col_head":    {"Head", "Хеш"},
	"col_prev":    {"Previous head", "Предыдущий хеш"},
	"col_chain":   {"Chain", "Цепочка"},
	"chain_ok":    {"links", "сходится"},
	"chain_bad":   {"BROKEN", "РАЗРЫВ"},
	"pages_label": {"Pages", "Страницы"},
	"prev_page":   {"Earlier entries", "Более ранние"},
	"next_page":   {"Later entries", "Более поздние"},
	"jump_label":  {"Go to entry", "Перейти к записи"},
	"jump_button": {"Go", "Перейти"},

	// One entry.
	"entry_title":   {"Entry %s of %s", "Запись %s: %s"},
	"e_kind":        {"Kind", "Вид"},
	"e_carries":     {"carries a part of a %s artefact", "несёт часть артефакта %s"},
	"e_poster":      {"Poster", "Автор"},
	"e_role":        {"role: %s", "роль: %s"},
	"e_no_role":     {"no role in the manifest", "нет роли в манифесте"},
	"e_size":        {"Payload", "Данные"},
	"e_bytes":       {"%s bytes", "%s байт"},
	"e_head":        {"Head", "Хеш"},
	"e_prev":        {"Previous head", "Предыдущий хеш"},
	"e_chain":       {"Hash chain", "Цепочка хешей"},
	"e_chain_ok":    {"the head is recomputed from the previous head and this entry", "хеш пересчитан из предыдущего и этой записи"},
	"e_chain_bad":   {"the head does NOT follow from the previous head and this entry", "хеш НЕ следует из предыдущего и этой записи"},
	"e_location":    {"On the chain", "В блокчейне"},
	"e_block":       {"block %s, hash %s", "блок %s, хеш %s"},
	"e_tx":          {"transaction %s", "транзакция %s"},
	"e_no_location": {"not known", "неизвестно"},
	"e_payload":     {"Payload, in hexadecimal", "Данные в шестнадцатеричном виде"},
	"e_payload_cut": {"The first %s bytes of %s.", "Первые %s байт из %s."},
	"prev_entry":    {"Previous entry", "Предыдущая запись"},
	"next_entry":    {"Next entry", "Следующая запись"},
	"e_unverified":  {"This entry is not among the entries verified.", "Эта запись не входит в проверенную часть."},

	// Tracking codes.
	"track_title":     {"Tracking code lookup", "Поиск по коду отслеживания"},
	"track_invalid":   {"This is not a tracking code: %s", "Это не код отслеживания: %s"},
	"track_not_found": {"No ballot with this tracking code is among the %s entries of election %s verified so far.", "Бюллетеня с этим кодом нет среди %s проверенных записей выборов %s."},
	"track_cast":      {"Cast: ballot %s of %s in the ballot-batch entry %s.", "Подан: бюллетень %s из %s в пакете, запись %s."},
	"track_audited":   {"This ballot was audited (opened to check the device) at entry %s: an audited ballot is never counted; the voter casts another.", "Этот бюллетень прошёл аудит (вскрыт для проверки устройства) в записи %s: такой бюллетень не учитывается, избиратель подаёт другой."},
	"track_audit_bad": {"That audit record is not valid, so it spoils nothing: %s", "Эта запись аудита недействительна и ничего не портит: %s"},
	"track_proof_h":   {"Inclusion proof", "Доказательство включения"},
	"track_proof_ok":  {"Re-checked now: the tracking code is under the batch's Merkle root (RFC 9162).", "Перепроверено: код входит в дерево Меркла пакета (RFC 9162)."},
	"track_proof_bad": {"The inclusion proof does NOT check: %s", "Доказательство включения НЕ сходится: %s"},
	"track_root":      {"Merkle root", "Корень дерева Меркла"},
	"track_leaf":      {"Leaf", "Лист"},
	"track_leaf_of":   {"%s of %s", "%s из %s"},
	"track_path":      {"Audit path", "Путь"},
	"track_status_h":  {"Counted?", "Учтён ли?"},
	"st_counted":      {"Counted: this is the ballot that counts for its credential.", "Учтён: именно этот бюллетень засчитан для своего удостоверения."},
	"st_superseded":   {"Not counted: superseded by another ballot of the same credential (%s).", "Не учтён: заменён другим бюллетенем того же удостоверения (%s)."},
	"st_spoiled":      {"Not counted: spoiled, because the same ballot was audited (%s).", "Не учтён: испорчен, так как этот же бюллетень прошёл аудит (%s)."},
	"st_clash":        {"Not counted: it copies a ciphertext of another ballot (%s).", "Не учтён: копирует шифротекст другого бюллетеня (%s)."},
	"st_malformed":    {"Not counted: it does not decode: %s", "Не учтён: не декодируется: %s"},
	"st_invalid":      {"Not counted: it does not verify: %s", "Не учтён: не проходит проверку: %s"},
	"st_open":         {"Voting is still open: which ballot counts is decided when the election closes (revoting %s).", "Голосование ещё идёт: какой бюллетень учитывается, решится после закрытия (повторное голосование %s)."},
	"st_weeding":      {"The explorer is weeding the ballots now; reload in a moment.", "Обозреватель сейчас проводит отбор бюллетеней; обновите страницу чуть позже."},
	"st_unknown":      {"Not known: the explorer cannot weed the ballots (the key ceremony or the credential list does not hold; see steps 3 and 4).", "Неизвестно: обозреватель не может провести отбор (церемония ключей или список удостоверений не сходятся; см. шаги 3 и 4)."},
	"st_weed_err":     {"Not known: weeding failed: %s", "Неизвестно: отбор не удался: %s"},
	"st_not_weeded":   {"Not weeded: the ballot was not in the weeding's input.", "Не прошёл отбор: бюллетеня не было среди входных данных."},
	"ballot_at":       {"entry %s, ballot %s", "запись %s, бюллетень %s"},

	// Shuffles and decryptions.
	"shuffles_title":  {"Shuffles of %s", "Перемешивания: %s"},
	"list_h":          {"List %s", "Список %s"},
	"list_input":      {"The mix list posted by the commission at entry %s: %s rows of %s ciphertexts.", "Список для перемешивания, опубликованный комиссией в записи %s: %s строк по %s шифротекстов."},
	"list_input_none": {"The commission has not posted this list.", "Комиссия не публиковала этот список."},
	"col_mixer":       {"Mixer", "Перемешивающий"},
	"col_rows":        {"Rows", "Строк"},
	"col_width":       {"Width", "Ширина"},
	"col_input":       {"Input digest", "Дайджест входа"},
	"col_check":       {"Check", "Проверка"},
	"check_verified":  {"verified", "проверено"},
	"check_failed":    {"FAILED", "НАРУШЕНИЕ"},
	"check_pending":   {"pending", "ожидается"},
	"check_skipped":   {"not checked", "не проверялось"},
	"check_undecoded": {"does not decode", "не декодируется"},
	"check_see_step":  {"see step 9", "см. шаг 9"},
	"no_shuffles":     {"No shuffle is on the board yet.", "Перемешиваний на доске пока нет."},
	"shuffles_rule": {"Each shuffle's proof and its link to the previous mixer's output are checked by the verifier's step 8, list by list; a failure names the mixer at fault. Step 8: %s",
		"Доказательство каждого перемешивания и его связь с выходом предыдущего проверяет шаг 8 верификатора, список за списком; при нарушении называется виновный. Шаг 8: %s"},
	"decryptions_title": {"Decryption shares of %s", "Доли расшифровки: %s"},
	"col_digest":        {"List digest", "Дайджест списка"},
	"no_decryptions":    {"No decryption share is on the board yet.", "Долей расшифровки на доске пока нет."},
	"decryptions_rule": {"Each partial decryption's proof is checked against its trustee's verification key by the verifier's step 9, and any k of them are combined. Step 9: %s",
		"Доказательство каждой частичной расшифровки проверяется по ключу доверенного лица на шаге 9, и любые k из них объединяются. Шаг 9: %s"},

	// A topic that is not an election.
	"topic_title": {"Topic %s", "Тема %s"},
	"t_id":        {"Topic id", "Идентификатор темы"},
	"t_head":      {"Head", "Хеш"},

	// Errors.
	"err_title_400":    {"Bad request", "Неверный запрос"},
	"err_title_404":    {"Not found", "Не найдено"},
	"err_title_405":    {"Method not allowed", "Метод не разрешён"},
	"err_title_500":    {"Internal error", "Внутренняя ошибка"},
	"err_title_503":    {"Busy", "Сервер занят"},
	"err_no_page":      {"There is no such page.", "Такой страницы нет."},
	"err_no_election":  {"There is no election %q on this board.", "На этой доске нет выборов «%s»."},
	"err_no_topic":     {"There is no topic %s on this board.", "На этой доске нет темы %s."},
	"err_no_entry":     {"There is no entry %s here (yet).", "Записи %s здесь нет (пока)."},
	"err_bad_number":   {"The %s parameter must be a whole number from 0 to %s; %q is not.", "Параметр %s должен быть целым числом от 0 до %s; «%s» — нет."},
	"err_bad_query":    {"The query string is not valid: %s", "Строка запроса недопустима: %s"},
	"err_too_long":     {"The request is too long.", "Запрос слишком длинный."},
	"err_method":       {"Only GET and HEAD are served.", "Поддерживаются только GET и HEAD."},
	"err_internal":     {"Something went wrong on the server; it has been logged.", "На сервере что-то пошло не так; это записано в журнал."},
	"err_busy":         {"Too many open connections: try again later.", "Слишком много открытых соединений: попробуйте позже."},
	"err_board":        {"The board cannot be read right now: %s", "Сейчас не удаётся прочитать доску: %s"},
	"err_bad_topic":    {"A topic id is 64 hexadecimal digits; %q is not one.", "Идентификатор темы — 64 шестнадцатеричные цифры; «%s» — не он."},
	"err_too_many":     {"The explorer follows as many elections as it may; this one is not followed.", "Обозреватель уже следит за максимумом выборов; за этими он не следит."},
	"err_not_verified": {"The election has not been verified yet: try again in a moment.", "Выборы ещё не проверены: попробуйте чуть позже."},
	"back_home":        {"Back to the topics", "Назад к темам"},
}

// t returns message key in lang, formatted with args.
func t(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langRU {
		s = m[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// text returns a manifest text in lang, else in English, else in the
// first language it has.
func text(lang string, tx voting.Text) string {
	if s, ok := tx[lang]; ok {
		return s
	}
	if s, ok := tx[langEN]; ok {
		return s
	}
	keys := make([]string, 0, len(tx))
	for k := range tx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return tx[keys[0]]
}

// num formats n with the language's digit grouping.
func num[T ~int | ~int64 | ~uint32 | ~uint64](lang string, n T) string {
	s := strconv.FormatUint(uint64(n), 10)
	if n < 0 {
		s = strconv.FormatInt(int64(n), 10)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if lang == langRU {
		sep = "\u00a0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// chooseLang picks the page's language: ?lang= if it names one (explicit),
// else the best of Accept-Language, else English.
func chooseLang(r *http.Request, q map[string][]string) (lang string, explicit bool) {
	if v := q["lang"]; len(v) > 0 && slices.Contains(langs, v[0]) {
		return v[0], true
	}
	best, bestQ := langEN, -1.0
	for i, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !slices.Contains(langs, primary) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > bestQ && q > 0 {
			best, bestQ = primary, q
		}
	}
	return best, false
}
