class GymClass < ApplicationRecord
  belongs_to :studio
  # Cover classes go on the timetable before the studio manager has found an instructor.
  belongs_to :instructor, optional: true
  has_many :bookings, dependent: :destroy

  validates :title, :starts_at, :duration_minutes, :capacity, presence: true

  scope :on, ->(date) { where(starts_at: date.all_day) }

  def ends_at
    starts_at + duration_minutes.minutes
  end

  def spaces_left
    capacity - bookings.count(&:confirmed?)
  end

  def full?
    spaces_left <= 0
  end

  def as_schedule_json
    {
      id: id,
      title: title,
      starts_at: starts_at.iso8601,
      ends_at: ends_at.iso8601,
      instructor: instructor_label,
      spaces_left: spaces_left,
      full: full?
    }
  end

  private

  # "Ama Boateng · Shoreditch": the class card shows who teaches and where in one line.
  def instructor_label
    "#{instructor.display_name} · #{studio.name}"
  end
end
