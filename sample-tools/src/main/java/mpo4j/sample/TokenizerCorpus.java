package mpo4j.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in training text for the sample tokenizer: the shapes visual-question domain (colours,
 * shapes, counts, positions; questions and short or sentence answers), ChatML turns, and a set of
 * plain English sentences so that ordinary text still gets sensible merges.
 */
final class TokenizerCorpus {
    static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "orange", "purple", "black", "white");
    static final List<String> SHAPES = List.of("circle", "square", "triangle", "star");
    static final List<String> NUMBER_WORDS =
            List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten");
    static final List<String> POSITIONS = List.of("left", "right", "top", "bottom", "middle", "center");

    private TokenizerCorpus() {}

    static List<String> shapes() {
        List<String> out = new ArrayList<>();
        for (String shape : SHAPES) {
            String plural = shape + "s";
            for (String colour : COLOURS) {
                String q1 = "What color is the " + shape + "?";
                out.add(q1);
                out.add("<image>\n" + q1);
                out.add("What colour is the " + shape + " in the image?");
                out.add("Which color does the " + shape + " have?");
                out.add(colour);
                out.add(cap(colour));
                out.add("The " + shape + " is " + colour + ".");
                out.add("It is " + colour + ".");
                out.add("There is a " + colour + " " + shape + " in the picture.");
                out.add("Is there a " + colour + " " + shape + "?");
                out.add("Yes, there is a " + colour + " " + shape + ".");
                out.add("No, there is no " + colour + " " + shape + ".");
                out.add("What shape is " + colour + "?");
                out.add("The " + colour + " shape is a " + shape + ".");
                out.add("A " + colour + " " + shape + " on a white background.");
                out.add(chatml("What color is the " + shape + "?", "The " + shape + " is " + colour + "."));
            }
            for (int n = 0; n <= 10; n++) {
                out.add("How many " + plural + " are there?");
                out.add("How many " + plural + " are in the image?");
                out.add("Count the " + plural + ".");
                out.add(String.valueOf(n));
                out.add(NUMBER_WORDS.get(n));
                out.add(cap(NUMBER_WORDS.get(n)));
                out.add("There are " + n + " " + plural + ".");
                out.add("There are " + NUMBER_WORDS.get(n) + " " + plural + ".");
                out.add("I can see " + NUMBER_WORDS.get(n) + " " + (n == 1 ? shape : plural) + ".");
                out.add(chatml("How many " + plural + " are there?", String.valueOf(n)));
            }
            for (String pos : POSITIONS) {
                out.add("Is the " + shape + " on the left or the right?");
                out.add("Is the " + shape + " at the top or the bottom?");
                out.add("Where is the " + shape + "?");
                out.add(pos);
                out.add(cap(pos));
                out.add("The " + shape + " is on the " + pos + ".");
                out.add("The " + shape + " is in the " + pos + " of the image.");
                out.add("The " + shape + " is to the " + pos + " of the " + SHAPES.get((SHAPES.indexOf(shape) + 1) % 4) + ".");
                out.add(chatml("Is the " + shape + " on the left or the right?", pos));
            }
            for (String other : SHAPES) {
                if (!other.equals(shape)) {
                    out.add("Which is bigger, the " + shape + " or the " + other + "?");
                    out.add("The " + shape + " is bigger than the " + other + ".");
                    out.add("The " + shape + " is smaller than the " + other + ".");
                    out.add("Is the " + shape + " above or below the " + other + "?");
                    out.add("The " + shape + " is above the " + other + ".");
                    out.add("The " + shape + " is below the " + other + ".");
                }
            }
        }
        for (int n = 0; n <= 100; n++) {
            out.add(String.valueOf(n));
            out.add("Answer: " + n);
        }
        for (String s : List.of("Image-1: <image>\nImage-2: <image>\nWhat is different between the two images?",
                "Compare the two images.", "Describe the image.", "Describe the image in one sentence.",
                "Answer with a single word.", "Answer the question using a single word or phrase.",
                "Please answer yes or no.", "Yes", "No", "yes", "no", "True", "False", "I don't know.",
                "system", "user", "assistant", "You are a helpful assistant.",
                "The image shows several shapes of different colors.", "There are no shapes in the image.")) {
            out.add(s);
        }
        out.addAll(ENGLISH);
        out.addAll(WORDS.lines().toList());
        return out;
    }

    private static String chatml(String question, String answer) {
        return "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image>\n" + question
                + "<|im_end|>\n<|im_start|>assistant\n" + answer + "<|im_end|>\n";
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Common English words, so that general vocabulary gets merges too. */
    static final String WORDS = """
            about above across action activity actually address administration admit adult affect after again against
            agency agent agree agreement ahead allow almost alone along already also although always american
            among amount analysis animal another answer anyone anything appear apply approach area argue around
            arrive article artist assume attack attention attorney audience author authority available avoid away baby
            back ball bank beautiful because become before begin behavior behind believe benefit best better
            between beyond billion board body book born both break bring brother budget build building
            business call camera campaign cancer candidate capital card care career carry case catch cause
            cell central century certain certainly chair challenge chance change character charge check child choice
            choose church citizen civil claim class clear clearly close coach cold collection college come
            commercial common community compare computer concern condition conference congress consider consumer contain continue control
            cost could country couple course court cover create crime cultural culture current customer dark
            daughter dead deal death debate decade decide decision deep defense degree democrat describe design
            despite detail determine develop development difference different difficult dinner direction director discover discuss discussion
            disease doctor door down draw dream drive drop drug during each early easy economic
            economy edge education effect effort either election else employee energy enjoy enough enter entire
            environment environmental especially establish even evening event ever every everybody everyone everything evidence exactly
            example executive exist expect experience expert explain face fact factor fail fall family father
            fear federal feel feeling field fight figure fill film final finally financial find fine
            finger finish fire firm fish floor focus follow food foot force foreign forget form
            former forward free friend from front full fund future game garden general generation girl
            give glass goal good government great ground group grow growth guess hair half hand
            hang happen hard have head hear heart heat heavy help here herself high himself
            history hold home hope hospital hotel hour house however huge human hundred husband idea
            identify image imagine impact important improve include including increase indeed indicate individual industry information
            inside instead institution interest international interview into investment involve issue item itself join just
            keep kill kind kitchen know knowledge land language large last late later laugh lawyer
            lead leader learn least leave legal less letter level life light like likely line
            list listen little live local long look lose loss love machine magazine main maintain
            major majority make manage management manager many market marriage material matter maybe mean measure
            media medical meet member memory mention message method might military million mind minute miss
            mission model modern moment money month more most mother mouth move movement much must
            myself name nation national natural nature near nearly necessary need network never news newspaper
            next nice night none north note nothing notice number occur offer office officer official
            often once only onto open operation opportunity option order organization other others outside over
            owner page pain painting paper parent part participant particular particularly partner party pass past
            patient pattern peace perform performance perhaps period person personal phone physical pick picture piece
            place plan plant play player point police policy political politics poor popular population position
            positive possible power practice prepare present president pressure pretty prevent price private probably problem
            process produce product production professional professor program project property protect prove provide public pull
            purpose push quality question quickly quite race radio raise range rate rather reach read
            ready real reality realize really reason receive recent recently recognize record reduce reflect region
            relate relationship religious remain remember remove report represent republican require research resource respond response
            responsibility rest result return reveal rich rise risk road rock role room rule safe
            same save scene school science scientist score season seat second section security seek seem
            sell send senior sense series serious serve service seven several shake share shoot short
            shot should shoulder show side sign significant similar simple simply since sing single sister
            site situation size skill skin small smile social society soldier some somebody someone something
            sometimes song soon sort sound source south southern space speak special specific speech spend
            sport spring staff stage stand standard start state statement station stay step still stock
            stop store story strategy street strong structure student study stuff style subject success successful
            such suddenly suffer suggest summer support sure surface system table take talk task teach
            teacher team technology television tell tend term test thank themselves theory there these thing
            think third those though thought thousand threat through throughout throw thus today together tonight
            total tough toward town trade traditional training travel treat treatment tree trial trip trouble
            true truth turn type under understand unit until upon usually value various very victim
            view violence visit voice vote wait walk wall want watch water weapon wear week
            weight well west western whatever when where whether which while whole whom whose wide
            wife will wind window wish with within without woman wonder word work worker world
            worry would write writer wrong yard yeah year young yourself
            """;

    /** Plain English, so that text outside the shapes domain is not spelled out byte by byte. */
    static final List<String> ENGLISH = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "A preference dataset pairs a prompt with a chosen answer and a rejected answer.",
            "The model learns to prefer the chosen response over the rejected one.",
            "Direct preference optimization trains a policy without a separate reward model.",
            "The reward is the scaled log ratio between the policy and the reference model.",
            "Mixed preference optimization adds a quality loss and a generation loss.",
            "We measure accuracy, margins, and the rewards of chosen and rejected responses.",
            "Please write a short story about a robot who learns to paint.",
            "Once upon a time, there was a little girl who lived in a village near the forest.",
            "She walked along the river every morning and watched the birds.",
            "The weather today is sunny with a light breeze from the west.",
            "Tomorrow it will rain in the afternoon, so take an umbrella.",
            "Can you explain how a neural network learns from data?",
            "A neural network adjusts its weights to reduce the loss on training examples.",
            "Gradient descent follows the negative gradient of the loss function.",
            "The learning rate controls the size of each update step.",
            "Attention lets every token look at every other token in the sequence.",
            "Transformers process text as sequences of tokens.",
            "The tokenizer splits text into pieces and maps each piece to an integer id.",
            "An image is cut into tiles, and each tile becomes a group of visual tokens.",
            "What is the capital of France? The capital of France is Paris.",
            "Water boils at one hundred degrees Celsius at sea level.",
            "The sun rises in the east and sets in the west.",
            "There are seven days in a week and twelve months in a year.",
            "My favourite fruits are apples, bananas, oranges and grapes.",
            "He opened the door, looked around the room, and smiled.",
            "They were happy because the project was finished on time.",
            "This answer is correct, but that answer is wrong.",
            "The first answer is better than the second answer.",
            "I think the correct answer is the one on the right.",
            "Let me think step by step before I answer the question.",
            "First, count the objects. Then, compare their colors and positions.",
            "The final answer is shown below.",
            "Thank you for your question, I am happy to help.",
            "Sorry, I cannot see the image clearly.",
            "Here is a list of things we need: bread, milk, eggs, butter, and cheese.",
            "Music, art, science and history are all interesting subjects.",
            "Children often play games outside after school.",
            "The computer program reads a file, processes every line, and writes the result.",
            "Java is a programming language that runs on the virtual machine.",
            "The train leaves the station at nine o'clock in the morning.",
            "Could you please summarize the following paragraph in two sentences?",
            "People have different opinions about what makes a good answer.",
            "A helpful, honest and harmless assistant follows the user's instructions.",
            "The mountains were covered with snow during the long winter.",
            "In the summer, the garden is full of flowers and vegetables.",
            "Numbers like 12, 345 and 6789 are written with digits.",
            "The meeting was moved from Monday to Wednesday afternoon.",
            "Every student must submit the homework before Friday.",
            "The doctor said that exercise and sleep are important for health.",
            "Although it was late, she continued reading her favourite book.",
            "If you mix blue and yellow paint, you get green.",
            "Red and white make pink, and black and white make gray.",
            "The quality of an answer depends on whether it is accurate and clear.",
            "Evaluation uses a held-out split that the model never sees during training.",
            "Scientists observe the world, form hypotheses, and test them with experiments.",
            "Our company builds software that helps people learn new languages.",
            "The city was quiet at night except for the sound of distant traffic.",
            "What time is it? It is half past three.",
            "How are you today? I am fine, thank you.");
}
