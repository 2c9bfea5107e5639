#include "tables.h"

#define LIST(name, ...)                                                                            \
    static const char *const name##_v[] = {__VA_ARGS__};                                           \
    static const struct sp_gen_list name = {name##_v, sizeof(name##_v) / sizeof(name##_v[0])}

#define NLEN(a) (sizeof(a) / sizeof((a)[0]))

/* Roughly the composition of a Dutch region's population by name origin. */
const unsigned sp_gen_origin_weights[SP_GEN_ORIGINS] = {800, 60, 50, 30, 20, 15, 15, 10};

LIST(male_nl, "Jan", "Johannes", "Pieter", "Hendrik", "Cornelis", "Willem", "Gerrit", "Jacobus",
     "Dirk", "Kees", "Bram", "Daan", "Sem", "Lucas", "Levi", "Finn", "Luuk", "Milan", "Jesse",
     "Thijs", "Noah", "Liam", "Lars", "Ruben", "Stijn", "Thomas", "Tim", "Sander", "Bas", "Joost",
     "Ruud", "Teun", "Koen", "Wouter", "Maarten", "Niels", "Jeroen", "Mark", "Dennis", "Erik",
     "Frank", "Peter", "Marcel", "Martijn", "Arjen", "Sjoerd", "Tjeerd", "Wiebe", "Fokke", "Jelle",
     "Hidde", "Ids", "Jurre", "Mees", "Siem", "Guus", "Olivier", "Floris", "Casper", "Victor",
     "Adriaan", "Albert", "Anton", "Arie", "Bart", "Bert", "Chris", "Diederik", "Douwe", "Evert",
     "Gijs", "Harm", "Huub", "Ivo", "Jaap", "Job", "Joris", "Jules", "Kai", "Lieven", "Menno",
     "Michiel", "Nick", "Otto", "Quinten", "Rik", "Roel", "Rutger", "Stefan", "Sven", "Tijn",
     "Ties", "Tobias", "Vincent", "Wessel", "Wim", "Yannick", "Daniël", "Gabriël", "Raphaël",
     "Rafaël", "Noël", "Samuël", "Mathijs", "IJsbrand", "Ewout", "Reinier", "Hugo", "Max", "Mats",
     "Boaz");
LIST(female_nl, "Maria", "Johanna", "Cornelia", "Anna", "Elisabeth", "Wilhelmina", "Hendrika",
     "Geertruida", "Emma", "Julia", "Tess", "Sophie", "Zoë", "Mila", "Sara", "Lotte", "Fenna",
     "Evi", "Noor", "Saar", "Anne", "Lieke", "Femke", "Sanne", "Iris", "Eva", "Lisa", "Nina",
     "Roos", "Isa", "Fleur", "Floor", "Jasmijn", "Mirte", "Puck", "Lynn", "Yara", "Liv", "Nova",
     "Maud", "Ilse", "Marloes", "Esther", "Ingrid", "Petra", "Monique", "Karin", "Annemieke",
     "Marieke", "Wendy", "Linda", "Sandra", "Mariska", "Dewi", "Chantal", "Kim", "Bregje",
     "Janneke", "Hanneke", "Loes", "Renske", "Sietske", "Tjitske", "Grietje", "Aaltje", "Trijntje",
     "Jikke", "Fardau", "Ymke", "Wietske", "Hilde", "Margriet", "Ans", "Truus", "Riet", "Corrie",
     "Joke", "Els", "Mieke", "Ria", "Chloë", "Joëlle", "Esmée", "Fabiënne", "Féline", "Noëlle",
     "Daphne", "Charlotte", "Amber", "Britt", "Demi", "Elin", "Feline", "Hannah", "Jill", "Kiki",
     "Lara", "Merel", "Nienke", "Pien", "Rosalie", "Silke", "Vera", "Vienna", "IJke", "Liene",
     "Juul");
LIST(male_tr, "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman",
     "Yusuf", "Murat", "Emre", "Gökhan", "Burak", "Kerem", "Yiğit", "Ömer", "Ensar", "Eray",
     "Çağlar", "Serkan", "Volkan", "Umut", "Arda", "Baran", "Deniz", "Enes", "Furkan", "Kaan",
     "Oğuz");
LIST(female_tr, "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Özlem", "Büşra", "Kübra",
     "Merve", "Esra", "Çağla", "Gül", "Şeyma", "Derya", "Dilek", "Ebru", "Hülya", "İlayda", "Nur",
     "Sevgi", "Tuğba", "Yasemin", "Defne", "Ecrin", "Duru", "Azra", "Melek", "Songül", "Gizem");
LIST(male_ma, "Mohamed", "Mohammed", "Youssef", "Ahmed", "Anouar", "Bilal", "Amin", "Karim",
     "Rachid", "Yassine", "Ilias", "Soufiane", "Mourad", "Hamza", "Ayoub", "Said", "Nordin",
     "Abdelkader", "Driss", "Hicham", "Mustapha", "Omar", "Redouan", "Tarik", "Zakaria", "Yassir",
     "Moussa", "Adam", "Ismail", "Khalid");
LIST(female_ma, "Fatima", "Khadija", "Marwa", "Nadia", "Hidaya", "Samira", "Nora", "Imane", "Salma",
     "Hanane", "Loubna", "Naima", "Rachida", "Zineb", "Meryem", "Soukaina", "Hafsa", "Kenza",
     "Asiya", "Amira", "Dounia", "Ikram", "Latifa", "Malika", "Najat", "Oumaima", "Sara", "Siham",
     "Yasmina", "Zahra");
LIST(male_sr, "Radjesh", "Anil", "Ravi", "Ashwin", "Sunil", "Rakesh", "Dinesh", "Vikash", "Kiran",
     "Sanjay", "Ricardo", "Errol", "Glenn", "Romeo", "Clarence", "Humphrey", "Iwan", "Sugiarto",
     "Wagimin", "Djoko");
LIST(female_sr, "Sunita", "Sharmila", "Priya", "Shanti", "Kavita", "Anjali", "Reshma", "Sita",
     "Nisha", "Asha", "Jennifer", "Sharon", "Gracia", "Marcia", "Ruth", "Sri", "Wati", "Dewi",
     "Ratna", "Sarinah");
LIST(male_pl, "Łukasz", "Paweł", "Tomasz", "Piotr", "Krzysztof", "Marcin", "Michał", "Jakub",
     "Kamil", "Grzegorz", "Wojciech", "Mateusz", "Dawid", "Bartosz", "Sławomir");
LIST(female_pl, "Agnieszka", "Katarzyna", "Małgorzata", "Anna", "Magdalena", "Joanna", "Ewa",
     "Monika", "Dorota", "Beata", "Justyna", "Aleksandra", "Żaneta", "Iwona", "Barbara");
LIST(male_ib, "José", "João", "Carlos", "Miguel", "Sebastián", "Andrés", "Luís", "Rúben", "Tomás",
     "Álvaro", "Diego", "Pablo", "Nuno", "Hélder", "Joaquim");
LIST(female_ib, "María", "Inês", "Lucía", "Sofía", "Ana", "Carmen", "Conceição", "Beatriz",
     "Mónica", "Raquel", "Marta", "Elena", "Lúcia", "Teresa", "Paula");
LIST(male_de, "Jürgen", "Jörg", "Uwe", "Klaus", "Dieter", "Günther", "Stefan", "Matthias", "Lukas",
     "Florian", "Sebastian", "Tobias", "Björn", "Jörn", "Rüdiger");
LIST(female_de, "Anke", "Ursula", "Brigitte", "Sabine", "Petra", "Anja", "Katrin", "Sünje", "Jutta",
     "Heike", "Birgit", "Käthe", "Lena", "Greta", "Frauke");
LIST(male_as, "Minh", "Duc", "Hung", "Tuan", "Long", "Wei", "Jun", "Hao", "Ming", "Jian");
LIST(female_as, "Thi", "Lan", "Hoa", "Mai", "Linh", "Mei", "Xiu", "Ying", "Li", "Hong");

const struct sp_gen_list sp_gen_given_male[SP_GEN_ORIGINS] = {male_nl, male_tr, male_ma, male_sr,
                                                              male_pl, male_ib, male_de, male_as};
const struct sp_gen_list sp_gen_given_female[SP_GEN_ORIGINS] = {
    female_nl, female_tr, female_ma, female_sr, female_pl, female_ib, female_de, female_as};

#define S(p, c)                                                                                    \
    {                                                                                              \
        p, c                                                                                       \
    }
static const struct sp_gen_surname sn_nl[] = {
    S("", "Jansen"),         S("de", "Jong"),        S("de", "Vries"),
    S("van den", "Berg"),    S("van", "Dijk"),       S("", "Bakker"),
    S("", "Janssen"),        S("", "Visser"),        S("", "Smit"),
    S("", "Meijer"),         S("de", "Boer"),        S("", "Mulder"),
    S("de", "Groot"),        S("", "Bos"),           S("", "Vos"),
    S("", "Peters"),         S("", "Hendriks"),      S("van", "Leeuwen"),
    S("", "Dekker"),         S("", "Brouwer"),       S("de", "Wit"),
    S("", "Dijkstra"),       S("", "Smits"),         S("de", "Graaf"),
    S("van der", "Meer"),    S("van der", "Linden"), S("", "Kok"),
    S("", "Jacobs"),         S("de", "Haan"),        S("", "Vermeulen"),
    S("van den", "Heuvel"),  S("van der", "Veen"),   S("van den", "Broek"),
    S("de", "Bruijn"),       S("de", "Bruin"),       S("van der", "Heijden"),
    S("", "Schouten"),       S("van", "Beek"),       S("", "Willems"),
    S("van", "Vliet"),       S("van de", "Ven"),     S("", "Hoekstra"),
    S("", "Maas"),           S("", "Verhoeven"),     S("", "Koster"),
    S("van", "Dam"),         S("van der", "Wal"),    S("", "Prins"),
    S("", "Blom"),           S("", "Huisman"),       S("", "Peeters"),
    S("de", "Leeuw"),        S("", "Kuijpers"),      S("van", "Wijk"),
    S("", "Postma"),         S("", "Kuipers"),       S("", "Veenstra"),
    S("", "Kramer"),         S("van den", "Brink"),  S("", "Scholten"),
    S("van", "Wijngaarden"), S("", "Post"),          S("", "Martens"),
    S("", "Vink"),           S("de", "Ruiter"),      S("", "Timmermans"),
    S("", "Groen"),          S("", "Gerritsen"),     S("", "Jonker"),
    S("van", "Loon"),        S("", "Boer"),          S("van der", "Velde"),
    S("", "Willemsen"),      S("", "Smeets"),        S("de", "Lange"),
    S("de", "Vos"),          S("", "Bosch"),         S("van", "Dongen"),
    S("", "Schipper"),       S("de", "Koning"),      S("van der", "Laan"),
    S("", "Koning"),         S("van der", "Velden"), S("", "Driessen"),
    S("van", "Doorn"),       S("", "Hermans"),       S("", "Evers"),
    S("van den", "Bosch"),   S("van der", "Meulen"), S("", "Hofman"),
    S("", "Bosman"),         S("", "Wolters"),       S("", "Sanders"),
    S("van der", "Horst"),   S("", "Mol"),           S("", "Kuiper"),
    S("van", "Veen"),        S("van der", "Ploeg"),  S("de", "Wilde"),
    S("ter", "Haar"),        S("van 't", "Hof"),     S("in 't", "Veld"),
    S("ten", "Brink"),       S("", "Zijlstra"),      S("", "Molenaar"),
    S("", "Goossens"),       S("", "Pieters"),       S("", "Lubbers"),
    S("", "Terlouw"),        S("", "Zuiderveld"),    S("", "Wagenaar"),
    S("van", "Iersel"),      S("", "Corsten"),       S("", "Meeuwis"),
    S("", "Poels"),          S("", "Ritsma"),        S("", "Hazes"),
    S("", "Oosterhuis"),     S("van", "Ginneken"),   S("", "Kuypers"),
    S("", "Rietman"),        S("", "Groothuizen"),   S("den", "Adel"),
    S("van der", "Pol"),     S("", "Aalbers"),       S("", "Verbeek"),
    S("", "Dijkhuis"),       S("", "Meyer"),         S("de", "Bruyn"),
    S("van", "Beek"),        S("", "Lucassen"),      S("", "Nijland"),
    S("", "Hoekwater"),      S("te", "Velde"),       S("ten", "Hove"),
    S("ter", "Horst"),       S("van 't", "Zand"),    S("in 't", "Hout"),
    S("op de", "Beek"),      S("van", "Tuyll"),      S("", "Bijl"),
    S("", "Stam"),           S("", "Klein"),         S("", "Hoogendoorn"),
    S("", "Kloosterman"),    S("", "Brinkman"),      S("", "Visscher"),
    S("", "Wouters"),        S("", "Claassen"),      S("", "Zwart"),
    S("", "Blok"),           S("", "Ruiter"),        S("", "Schut"),
};
static const struct sp_gen_surname sn_tr[] = {
    S("", "Yılmaz"), S("", "Kaya"),     S("", "Demir"),  S("", "Şahin"),  S("", "Çelik"),
    S("", "Yıldız"), S("", "Yıldırım"), S("", "Öztürk"), S("", "Aydın"),  S("", "Özdemir"),
    S("", "Arslan"), S("", "Doğan"),    S("", "Kılıç"),  S("", "Aslan"),  S("", "Çetin"),
    S("", "Kurt"),   S("", "Koç"),      S("", "Polat"),  S("", "Güneş"),  S("", "Erdoğan"),
    S("", "Kaplan"), S("", "Korkmaz"),  S("", "Özkan"),  S("", "Şimşek"), S("", "Akgül"),
};
static const struct sp_gen_surname sn_ma[] = {
    S("", "El Amrani"),   S("", "Ben Ali"),    S("", "Bouzid"),   S("", "Ait Taleb"),
    S("", "El Idrissi"),  S("", "El Khatib"),  S("", "Ouali"),    S("", "Ziani"),
    S("", "Bakkali"),     S("", "El Hadioui"), S("", "Boukhari"), S("", "Chaouch"),
    S("", "Azzouzi"),     S("", "Benali"),     S("", "Haddou"),   S("", "Ouahabi"),
    S("", "El Ouazzani"), S("", "Achahbar"),   S("", "Amrani"),   S("", "Tahiri"),
    S("", "Bouchtaoui"),  S("", "El Bakkali"), S("", "Mansouri"), S("", "Ait Hammou"),
};
static const struct sp_gen_surname sn_sr[] = {
    S("", "Biharie"),     S("", "Kromodimedjo"), S("", "Ramdin"),        S("", "Sewnarain"),
    S("", "Jagessar"),    S("", "Ramautar"),     S("", "Mohan"),         S("", "Soekhai"),
    S("", "Tjon A Fong"), S("", "Sital"),        S("", "Pinas"),         S("", "Linger"),
    S("", "Brunings"),    S("", "Doelwijt"),     S("", "Kartosen"),      S("", "Ramcharan"),
    S("", "Bhoelai"),     S("", "Sardjoe"),      S("", "Wongsodikromo"), S("", "Karsodimedjo"),
};
static const struct sp_gen_surname sn_pl[] = {
    S("", "Nowak"),     S("", "Kowalski"),  S("", "Wiśniewski"),  S("", "Wójcik"),
    S("", "Kowalczyk"), S("", "Kamiński"),  S("", "Lewandowski"), S("", "Zieliński"),
    S("", "Szymański"), S("", "Dąbrowski"), S("", "Woźniak"),     S("", "Kozłowski"),
    S("", "Jankowski"), S("", "Mazur"),
};
static const struct sp_gen_surname sn_ib[] = {
    S("", "García"),  S("", "Hernández"),  S("", "Rodríguez"), S("", "Martínez"),
    S("", "Sánchez"), S("", "Dos Santos"), S("", "Gonçalves"), S("", "Da Silva"),
    S("", "Pereira"), S("", "Fernandes"),  S("", "López"),     S("", "Gómez"),
    S("", "Tavares"), S("", "Lopes"),      S("", "Monteiro"),  S("", "Fonseca"),
};
static const struct sp_gen_surname sn_de[] = {
    S("", "Müller"), S("", "Schröder"),     S("", "Schmidt"), S("", "Fischer"),  S("", "Weber"),
    S("", "Becker"), S("", "Schäfer"),      S("", "Koch"),    S("", "Richter"),  S("", "Klein"),
    S("", "Krüger"), S("von der", "Heide"), S("", "Groß"),    S("", "Hoffmann"),
};
static const struct sp_gen_surname sn_as[] = {
    S("", "Nguyen"), S("", "Tran"), S("", "Le"),    S("", "Pham"), S("", "Hoang"), S("", "Chen"),
    S("", "Wang"),   S("", "Li"),   S("", "Zhang"), S("", "Liu"),  S("", "Lin"),   S("", "Huang"),
};
#undef S

const struct sp_gen_surnames sp_gen_surnames_by_origin[SP_GEN_ORIGINS] = {
    {sn_nl, NLEN(sn_nl)}, {sn_tr, NLEN(sn_tr)}, {sn_ma, NLEN(sn_ma)}, {sn_sr, NLEN(sn_sr)},
    {sn_pl, NLEN(sn_pl)}, {sn_ib, NLEN(sn_ib)}, {sn_de, NLEN(sn_de)}, {sn_as, NLEN(sn_as)},
};

LIST(roots, "Brink", "Hazel", "Steen", "Goor", "Kort", "Brouw", "Jelle", "Meer", "Wolf", "Klaas",
     "Hek", "Stad", "Kraai", "Dorp", "Zwart", "Bul", "Lang", "Wessel", "Rijn", "Hidde", "Ubbe",
     "Molen", "Kerk", "Sloot", "Haan", "Jan", "Pieter", "Mulder", "Post", "Hoek", "Brug", "Stroom",
     "Veen", "Water", "Kamp", "Horst", "Heuvel", "Wind", "Boom", "Linde", "Eik", "Beuk", "Berk",
     "Duin", "Zand", "Klei", "Vlas", "Graan", "Schaap", "Gans", "Kraan", "Reiger", "Mees",
     "Spreeuw", "Wouter", "Gerrit", "Hendrik", "Dirk", "Tjeerd", "Sjoerd", "Oene", "Wiebe", "Rinse",
     "Fokke", "Teun", "Joost", "Bram", "Raad", "Stek", "Meul", "Kuip", "Dam", "Visser", "Bakker",
     "Smit", "Roos", "Goud", "Zilver", "Koper", "IJzer", "Lucas", "Esch", "Nijhof", "Oost", "West",
     "Noord", "Zuid", "Hoog", "Laag", "Groen", "Blauw", "Prins", "Kosters", "Tuin", "Bloem", "Vos",
     "Mol");
LIST(endings, "stra", "ma", "sma", "inga", "enga", "huis", "huizen", "hout", "kamp", "berg", "dijk",
     "veld", "stede", "mink", "ink", "ert", "ers", "sen", "s", "beek", "broek", "water", "meijer",
     "mans", "horst", "man", "je", "kes", "ens", "er", "wijk", "land", "bosch", "haar", "kes",
     "ing", "sink", "link", "ga", "tra");
const struct sp_gen_list sp_gen_surname_roots = roots;
const struct sp_gen_list sp_gen_surname_endings = endings;

LIST(prefixes, "de", "van der", "van", "van de", "van den", "den", "ter", "ten", "te", "in 't",
     "van 't", "op de", "in de", "van het", "uit den", "'t");
const struct sp_gen_list sp_gen_prefixes = prefixes;
const unsigned sp_gen_prefix_weights[] = {384, 164, 163, 92, 83, 28, 26, 20,
                                          15,  14,  11,  3,  2,  2,  1,  1};

LIST(places, "Utrecht", "Amersfoort", "Nieuwegein", "Zeist", "Houten", "Veenendaal", "IJsselstein",
     "Woerden", "Maarssen", "Bunnik", "De Bilt", "Bilthoven", "Soest", "Baarn", "Leusden",
     "Woudenberg", "Renswoude", "Rhenen", "Wijk bij Duurstede", "Vianen", "Lopik", "Montfoort",
     "Oudewater", "Breukelen", "Mijdrecht", "Vinkeveen", "Abcoude", "Loenen aan de Vecht",
     "Driebergen-Rijsenburg", "Doorn", "Amerongen", "Leersum", "Maarn", "Odijk", "Werkhoven",
     "Schalkwijk", "Harmelen", "Kockengen", "Vleuten", "De Meern", "Linschoten", "Benschop",
     "Polsbroek", "Jutphaas", "Huis ter Heide", "Den Dolder", "Bosch en Duin", "Groenekan",
     "Westbroek", "Tienhoven", "Hilversum", "Culemborg", "Tiel", "Gorinchem", "Leerdam",
     "Schoonhoven", "Gouda", "Amsterdam", "Rotterdam", "Den Haag", "Eindhoven", "Groningen",
     "Tilburg", "Almere", "Breda", "Nijmegen", "Apeldoorn", "Arnhem", "Haarlem", "Enschede",
     "Zaandam", "Zwolle", "Leiden", "Dordrecht", "Ede", "Alphen aan den Rijn", "Alkmaar", "Delft",
     "Deventer", "Helmond", "Hengelo", "Lelystad", "Leeuwarden", "Roosendaal", "Oss", "Hoorn",
     "Purmerend", "Emmen", "Assen", "Venlo", "Sittard", "Heerlen", "Maastricht", "Middelburg",
     "Vlissingen", "Goes", "Terneuzen", "Harderwijk", "Kampen", "Meppel", "Sneek", "Drachten",
     "Heerenveen", "Den Helder", "Hardenberg", "Winterswijk", "Doetinchem", "Zutphen", "Wageningen",
     "Barneveld", "Nijkerk", "Putten", "Ermelo", "Elburg", "Epe", "Heerde", "Hattem", "Steenwijk",
     "Almelo", "Oldenzaal", "Rijssen", "Nijverdal", "Veghel", "Uden", "Boxtel", "Vught", "Waalwijk",
     "Oosterhout", "Etten-Leur", "Bergen op Zoom", "Weert", "Roermond", "Venray", "Gennep",
     "Boxmeer", "Cuijk", "Zaltbommel", "Beesd", "Geldermalsen", "Buren", "Maurik", "Lienden");
LIST(street_types, "straat", "laan", "weg", "plein", "gracht", "dijk", "park", "plantsoen",
     "singel", "kade", "hof", "steeg", "pad", "dreef", "erf");
LIST(company_words, "Holding", "Beheer", "Trading", "Import Export", "Groep", "Vastgoed", "Bedrijf",
     "Bouw", "Transport", "Schoonmaak", "Horeca", "Autoservice", "Installatietechniek", "Logistiek",
     "Onroerend Goed", "Consultancy", "Handelsonderneming", "Investments", "Exploitatie");
const struct sp_gen_list sp_gen_places = places;
const struct sp_gen_list sp_gen_street_types = street_types;
const struct sp_gen_list sp_gen_company_words = company_words;

LIST(legal_forms, "B.V.", "Stichting", "C.V.", "V.O.F.", "", "N.V.");
const struct sp_gen_list sp_gen_legal_forms = legal_forms;
const unsigned sp_gen_legal_form_weights[] = {630, 100, 90, 85, 90, 5};

LIST(banks, "ABNA", "INGB", "RABO", "SNSB", "ASNB", "BUNQ", "KNAB", "RBRB", "TRIO", "FVLB");
const struct sp_gen_list sp_gen_banks = banks;

LIST(roles, "bestuurder", "eigenaar", "gevolmachtigde", "vennoot");
const struct sp_gen_list sp_gen_officer_roles = roles;
