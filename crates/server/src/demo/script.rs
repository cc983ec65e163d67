//! The words of the demo workspace: names, what contacts write, what agents answer.

pub const FIRST_NAMES: &[&str] = &[
    "María", "James", "Aisha", "Chen", "Lucas", "Sofia", "Omar", "Emma", "Ravi", "Yuki", "Noah",
    "Fatima", "Liam", "Chloe", "Mateo", "Amara", "Jonas", "Ines", "Kwame", "Hana", "Pedro",
    "Leila", "Tom", "Nadia", "Viktor", "Grace", "Diego", "Mei", "Samuel", "Zara",
];

pub const LAST_NAMES: &[&str] = &[
    "García",
    "Smith",
    "Khan",
    "Wang",
    "Silva",
    "Rossi",
    "Haddad",
    "Müller",
    "Patel",
    "Tanaka",
    "Johnson",
    "Okafor",
    "Dubois",
    "Novak",
    "Kim",
    "Fernández",
    "Larsen",
    "Costa",
    "Mensah",
    "Ito",
];

pub const OPENERS: &[&str] = &[
    "Hi, my order hasn't arrived yet. Can you check?",
    "Hello! Do you ship to Portugal?",
    "I was charged twice for the same order 😕",
    "Can I change the delivery address of order #4821?",
    "What are your opening hours on Sunday?",
    "The app keeps logging me out, any idea why?",
    "I'd like to return a pair of shoes, they're too small.",
    "Is the blue jacket available in size M?",
    "Hi there, I need an invoice for my last purchase.",
    "My discount code SPRING20 doesn't work.",
    "Good morning! Can I book a demo for my team?",
    "Where can I find the user manual?",
    "The package arrived damaged. What should I do?",
    "Do you offer student discounts?",
    "I forgot my password and the reset email never comes.",
];

pub const FOLLOW_UPS: &[&str] = &[
    "Thanks!",
    "It's order #4821.",
    "Any update on this?",
    "Ok, I'll wait.",
    "Perfect, that works for me.",
    "Sorry, one more question…",
    "Great, thank you so much 🙏",
    "I sent the photos by email.",
    "Could you hurry, please? It's a gift.",
    "Still waiting for an answer.",
];

pub const REPLIES: &[&str] = &[
    "Hi {first}! Let me check that for you right away.",
    "Thanks for reaching out, {first}. I can help with that.",
    "I've looked it up: your order left our warehouse yesterday and should arrive tomorrow.",
    "I'm sorry about that! I've issued a refund; you'll see it in 3–5 business days.",
    "Yes, we ship to Portugal, delivery takes 2–4 days.",
    "I've updated the address on your order.",
    "You can find the manual at help.example.com/manual.",
    "I've sent you a return label by email.",
    "That code expired last week, but I've applied a 20% discount manually.",
    "Our Sunday hours are 10:00–16:00.",
    "Could you send me a photo of the damage?",
    "All done! Anything else I can help with?",
];

pub const COMMENTS: &[&str] = &[
    "VIP customer, handle with care.",
    "Second complaint this month about shipping.",
    "Asked for a callback tomorrow morning.",
    "Refund approved by finance.",
    "Possible upsell: team plan.",
];

pub const CATEGORIES: &[(&str, &str)] = &[
    (
        "Resolved",
        "The contact's question was answered or the problem fixed.",
    ),
    (
        "Sales lead",
        "The contact is interested in buying; hand over to sales.",
    ),
    ("Refund", "A refund or credit was issued."),
    (
        "Follow-up needed",
        "Waiting on another team; check back later.",
    ),
    ("Spam", "Not a real conversation."),
];

pub const SUMMARIES: &[&str] = &[
    "Order located, delivery confirmed.",
    "Refund issued for the double charge.",
    "Address updated before dispatch.",
    "Shared opening hours.",
    "Sent return label.",
    "Demo booked for Thursday.",
    "Password reset done over chat.",
];

pub const SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "Greeting",
        "hello",
        "Hi {{contact.first_name}}, this is {{user.name}}. How can I help you today?",
    ),
    (
        "Thanks",
        "thanks",
        "Thank you for your patience, {{contact.first_name}}!",
    ),
    (
        "Opening hours",
        "hours",
        "We're open Monday to Saturday 9:00–19:00 and Sunday 10:00–16:00.",
    ),
    (
        "Refund",
        "refund",
        "I've issued a refund, {{contact.first_name}}. It will show on your statement in 3–5 business days.",
    ),
    (
        "Goodbye",
        "bye",
        "Glad I could help, {{contact.first_name}}. Have a great day! — {{user.first_name}}",
    ),
];
