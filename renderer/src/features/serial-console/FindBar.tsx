/** Find in the console's scrollback: Enter finds the next match, Shift+Enter the previous, Escape closes. */
export function FindBar({
  text,
  onText,
  onClose,
  onNext,
  onPrevious,
}: {
  text: string;
  onText(text: string): void;
  onClose(): void;
  onNext(): void;
  onPrevious(): void;
}) {
  return (
    <form
      className="find-bar"
      role="search"
      aria-label="Find in scrollback"
      onSubmit={(e) => {
        e.preventDefault();
        onNext();
      }}
    >
      <input
        autoFocus
        aria-label="Find text"
        // As VS Code's find widget: reopened, the last search is selected, so typing replaces it.
        onFocus={(e) => e.currentTarget.select()}
        value={text}
        onChange={(e) => onText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          if (e.key === 'Enter' && e.shiftKey) {
            e.preventDefault();
            onPrevious();
          }
        }}
      />
      <button type="submit">Next</button>
      <button type="button" onClick={onPrevious}>
        Previous
      </button>
    </form>
  );
}
